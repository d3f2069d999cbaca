import { createSocket, RemoteInfo, Socket } from 'node:dgram';

export interface LossyOptions {
  /** Every n-th datagram is held back and sent after the next one. */
  reorderEvery: number;
  /** Every n-th datagram is sent twice. */
  duplicateEvery: number;
  /** Every n-th datagram is dropped. */
  dropEvery: number;
}

/**
 * A UDP relay between one client and the server that damages the client's stream on purpose
 * (deterministically, so a failure can be replayed) and passes the server's answers back.
 */
export class LossyProxy {
  readonly stats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
  readonly #socket: Socket;
  readonly #serverPort: number;
  readonly #options: LossyOptions;
  #client: RemoteInfo | null = null;
  #held: Buffer | null = null;
  #count = 0;

  private constructor(socket: Socket, serverPort: number, options: LossyOptions) {
    this.#socket = socket;
    this.#serverPort = serverPort;
    this.#options = options;
    socket.on('message', (bytes, from) => this.#onMessage(bytes, from));
  }

  static async start(serverPort: number, options: LossyOptions): Promise<LossyProxy> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new LossyProxy(socket, serverPort, options);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #onMessage(bytes: Buffer, from: RemoteInfo): void {
    if (from.port === this.#serverPort) {
      if (this.#client !== null) this.#socket.send(bytes, this.#client.port, this.#client.address);
      return;
    }
    this.#client = from;
    const n = ++this.#count;
    if (n % this.#options.dropEvery === 0) {
      this.stats.dropped++;
      return;
    }
    if (this.#held === null && n % this.#options.reorderEvery === 0) {
      this.#held = bytes;
      this.stats.reordered++;
      return;
    }
    this.#send(bytes);
    if (n % this.#options.duplicateEvery === 0) {
      this.#send(bytes);
      this.stats.duplicated++;
    }
    if (this.#held !== null) {
      this.#send(this.#held);
      this.#held = null;
    }
  }

  #send(bytes: Buffer): void {
    this.stats.forwarded++;
    this.#socket.send(bytes, this.#serverPort, '127.0.0.1');
  }
}
