import { createSocket, Socket } from 'node:dgram';
import { encodeKeepalive } from '@sapora/protocol';
import { Session } from '../session';

/**
 * A client's UDP socket to one media service: bound to any port, it sends a keepalive with the
 * session token at once and then periodically, so the service learns where to answer (behind
 * NAT too) even while this participant sends nothing.
 */
const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024;

export class MediaSocket {
  readonly #session: Session;
  readonly #host: string;
  readonly #port: number;
  readonly #keepaliveMs: number;
  readonly #onDatagram: (bytes: Buffer) => void;
  readonly #onError: (error: Error) => void;
  #socket: Socket | null = null;
  #keepalive: NodeJS.Timeout | null = null;
  #sequence = 0;

  constructor(
    session: Session,
    target: { host: string; port: number; keepaliveMs: number },
    onDatagram: (bytes: Buffer) => void,
    onError: (error: Error) => void,
  ) {
    this.#session = session;
    this.#host = target.host;
    this.#port = target.port;
    this.#keepaliveMs = target.keepaliveMs;
    this.#onDatagram = onDatagram;
    this.#onError = onError;
  }

  /** The session token while joined: what every datagram to the service carries. */
  get token(): Buffer | undefined {
    return this.#socket === null ? undefined : this.#session.sessionToken;
  }

  /** The stream's next sequence number. */
  nextSequence(): number {
    this.#sequence = (this.#sequence + 1) >>> 0;
    return this.#sequence;
  }

  async open(): Promise<void> {
    if (this.#socket !== null) return;
    const socket = createSocket(this.#host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (bytes: Buffer) => this.#onDatagram(bytes));
    socket.on('error', (error) => this.#onError(error));
    await new Promise<void>((resolve) => socket.bind(0, resolve));
    // Video bursts a frame's fragments at once; room for a few frames avoids kernel drops.
    socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    this.#socket = socket;
    this.#sendKeepalive();
    this.#keepalive = setInterval(() => this.#sendKeepalive(), this.#keepaliveMs);
  }

  send(datagram: Buffer): void {
    this.#socket?.send(datagram, this.#port, this.#host);
  }

  /** Safe to call twice. */
  close(): void {
    if (this.#keepalive !== null) clearInterval(this.#keepalive);
    this.#keepalive = null;
    this.#socket?.close();
    this.#socket = null;
  }

  #sendKeepalive(): void {
    const token = this.token;
    if (token !== undefined) this.send(encodeKeepalive(token, this.#sequence));
  }
}
