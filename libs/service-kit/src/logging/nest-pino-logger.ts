import { LoggerService } from '@nestjs/common';
import { Logger } from 'pino';

/** Routes Nest's own log lines into the service's pino logger, so all output is one format. */
export class NestPinoLogger implements LoggerService {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  log(message: unknown, context?: string): void {
    this.#logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.#logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.#logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.#logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.#logger.trace({ context }, String(message));
  }
}
