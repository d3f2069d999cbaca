import { ArgumentsHost, Catch, Inject, WsExceptionFilter } from '@nestjs/common';
import { WebSocket } from 'ws';
import { ErrorEvent } from '@sapora/protocol';
import { Logger, LOGGER } from '@sapora/service-kit';
import { GatewayError } from './gateway-error';

/**
 * The one place every failed command ends up: the tab that sent it gets an `error` event
 * (with the command's id, and the field when a form is at fault); nothing else happens. An
 * error nobody expected is logged and reported as Internal, and the gateway serves on.
 */
@Catch()
export class TabErrorFilter implements WsExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const socket = ws.getClient<WebSocket>();
    const data = ws.getData<unknown>();
    const id =
      typeof data === 'object' && data !== null && 'id' in data && typeof data.id === 'number'
        ? data.id
        : undefined;
    let event: ErrorEvent;
    if (exception instanceof GatewayError) {
      event = { type: 'error', id, code: exception.code, message: exception.message };
      if (exception.field !== undefined) event.field = exception.field;
    } else {
      this.logger.error({ err: exception }, 'a tab command failed unexpectedly');
      event = { type: 'error', id, code: 'Internal', message: 'the gateway failed to do that' };
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(event));
  }
}
