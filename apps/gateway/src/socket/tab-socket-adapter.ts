import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { routeTabMessage } from './tab-message-parser';

/**
 * Nest's `ws` adapter on the gateway's HTTP(S) server, with the tab message routing (JSON by
 * type, bytes, garbage) and a hard cap on message size: a message over `maxMessageBytes` is
 * refused by `ws` itself, which closes that socket with 1009 before buffering more of it.
 */
export class TabSocketAdapter extends WsAdapter {
  readonly #maxMessageBytes: number;

  constructor(app: INestApplicationContext, maxMessageBytes: number) {
    super(app, { messageParser: routeTabMessage });
    this.#maxMessageBytes = maxMessageBytes;
  }

  override create(port: number, options: Record<string, unknown> = {}): unknown {
    return super.create(port, { ...options, maxPayload: this.#maxMessageBytes });
  }
}
