import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

export type ProxyDirection = 'upstream' | 'downstream';

/**
 * A TCP relay to a server on loopback that can cut its next connection abruptly once that many
 * bytes have passed in one direction (a dropped link in the middle of a transfer, on demand),
 * or close every new connection at once for a while (a server that is not back yet). Started
 * with `record`, it keeps every byte it relays, both ways: what someone on the wire would see.
 */
export class CuttingTcpProxy {
  readonly stats = { connections: 0, upstreamBytes: 0, downstreamBytes: 0 };
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cut: { direction: ProxyDirection; afterBytes: number } | null = null;
  #refusing = false;
  readonly #recording: Buffer[] | null;

  private constructor(server: Server, targetPort: number, record: boolean) {
    this.#server = server;
    this.#recording = record ? [] : null;
    server.on('connection', (client) => this.#relay(client, targetPort));
  }

  static async start(targetPort: number, { record = false } = {}): Promise<CuttingTcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new CuttingTcpProxy(server, targetPort, record);
  }

  /** Every byte relayed so far, both directions, in the order relayed (started with `record`). */
  get recorded(): Buffer {
    if (this.#recording === null) throw new Error('this proxy was not started with record');
    return Buffer.concat(this.#recording);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The next connection is destroyed (both ends) once `afterBytes` have passed `direction`. */
  cutNext(direction: ProxyDirection, afterBytes: number): void {
    this.#cut = { direction, afterBytes };
  }

  /** While refusing, a new connection is closed as soon as it is accepted. */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(client: Socket, targetPort: number): void {
    if (this.#refusing) {
      client.destroy();
      return;
    }
    this.stats.connections++;
    const cut = this.#cut;
    this.#cut = null;
    const server = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, server]) {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    const passed = { upstream: 0, downstream: 0 };
    const pipe = (from: Socket, to: Socket, direction: ProxyDirection): void => {
      from.on('data', (chunk: Buffer) => {
        if (cut !== null && cut.direction === direction) {
          const room = cut.afterBytes - passed[direction];
          if (room <= chunk.length) {
            to.write(chunk.subarray(0, Math.max(room, 0)), () => {
              client.destroy();
              server.destroy();
            });
            passed[direction] = cut.afterBytes;
            this.stats[`${direction}Bytes`] += Math.max(room, 0);
            from.pause();
            return;
          }
        }
        this.#recording?.push(chunk);
        passed[direction] += chunk.length;
        this.stats[`${direction}Bytes`] += chunk.length;
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    };
    pipe(client, server, 'upstream');
    pipe(server, client, 'downstream');
  }
}
