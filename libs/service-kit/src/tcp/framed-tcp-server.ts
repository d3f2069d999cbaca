import { EventEmitter } from 'node:events';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { FramedConnection, FramedConnectionOptions } from './framed-connection';

export interface FramedTcpServerOptions extends FramedConnectionOptions {
  host: string;
  port: number;
}

export interface FramedTcpServerEvents {
  connection: [FramedConnection];
}

/** Accepts TCP peers and wraps each in a FramedConnection; tracks them for shutdown. */
export class FramedTcpServer extends EventEmitter<FramedTcpServerEvents> {
  readonly #options: FramedTcpServerOptions;
  readonly #server: Server;
  readonly #connections = new Set<FramedConnection>();
  #nextId = 1;

  constructor(options: FramedTcpServerOptions) {
    super();
    this.#options = options;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  get connections(): ReadonlySet<FramedConnection> {
    return this.#connections;
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /** Stops accepting; existing connections stay until their owner ends them. */
  stopAccepting(): void {
    // close()'s callback waits for every connection to end, so it is not awaited here:
    // the listening socket itself closes at once, and drain() waits for the connections.
    if (this.#server.listening) this.#server.close();
  }

  /** Waits for every connection to close, destroying those still open after graceMs. */
  async drain(graceMs: number): Promise<void> {
    const pending = [...this.#connections].map(
      (connection) =>
        new Promise<void>((resolve) =>
          connection.closed ? resolve() : connection.once('close', resolve),
        ),
    );
    const timer = setTimeout(
      () => this.#connections.forEach((connection) => connection.destroy()),
      graceMs,
    );
    await Promise.all(pending);
    clearTimeout(timer);
  }

  #accept(socket: Socket): void {
    const connection = new FramedConnection(this.#nextId++, socket, this.#options);
    this.#connections.add(connection);
    connection.once('close', () => this.#connections.delete(connection));
    this.emit('connection', connection);
  }
}
