import { createSocket, RemoteInfo, Socket } from 'node:dgram';
import { AddressInfo } from 'node:net';

export interface UdpEndpointOptions {
  host: string;
  port: number;
  /** Kernel buffer sizes; a mixer or relay with many peers wants more than the default. */
  receiveBufferBytes?: number;
  sendBufferBytes?: number;
}

/**
 * A bound UDP socket for a media service: datagrams in through one callback, out through
 * send(). Errors on send (a peer gone, ICMP unreachable) never throw into the hot path.
 */
export class UdpEndpoint {
  readonly #socket: Socket;
  readonly #options: UdpEndpointOptions;
  #sendErrors = 0;
  #closed = false;

  constructor(
    options: UdpEndpointOptions,
    onDatagram: (datagram: Buffer, from: RemoteInfo) => void,
  ) {
    this.#options = options;
    this.#socket = createSocket({
      type: options.host.includes(':') ? 'udp6' : 'udp4',
      reuseAddr: false,
    });
    this.#socket.on('message', onDatagram);
    this.#socket.on('error', () => this.#sendErrors++);
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  async bind(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#socket.once('error', reject);
      this.#socket.bind(this.#options.port, this.#options.host, () => {
        this.#socket.off('error', reject);
        resolve();
      });
    });
    if (this.#options.receiveBufferBytes)
      this.#socket.setRecvBufferSize(this.#options.receiveBufferBytes);
    if (this.#options.sendBufferBytes)
      this.#socket.setSendBufferSize(this.#options.sendBufferBytes);
    return this.#socket.address();
  }

  send(datagram: Buffer, port: number, address: string): void {
    if (this.#closed) return;
    this.#socket.send(datagram, port, address, (error) => {
      if (error) this.#sendErrors++;
    });
  }

  /** Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
