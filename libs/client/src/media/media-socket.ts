import { createSocket, Socket } from 'node:dgram';
import { DEFAULT_PORTS, encodeKeepalive, MediaKind } from '@sapora/protocol';
import { ResolvedEndpoint, Session } from '../session';
import { SessionMediaSeal } from './session-media-seal';

/** Room for a few frames of video, whose fragments arrive in a burst, before the kernel drops. */
const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024;

/** Where a media client sends: given by the program, or wherever the session says the room is. */
export type MediaTarget = { host: string; port: number } | { follow: MediaKind };

/**
 * A client's UDP socket to one media service: bound to any port, it sends a keepalive with the
 * media token at once and then periodically, so the service learns where to answer (behind
 * NAT too) even while this participant sends nothing. Following the session, it moves to the
 * room's new node when the server says the room moved (MEDIA_MOVED, or a rejoin elsewhere).
 *
 * When the session's media is sealed (it joined over TLS), every datagram it sends is sealed
 * under the session's key and every datagram it receives must open under one of the room's
 * keys, once: anything else is dropped and counted (`rejected`). A plain session sends and
 * takes plain datagrams only.
 */
export class MediaSocket {
  readonly #session: Session;
  readonly #kind: 'audio' | 'video';
  readonly #target: MediaTarget;
  readonly #keepaliveMs: number;
  readonly #onDatagram: (bytes: Buffer) => void;
  readonly #onError: (error: Error) => void;
  readonly #onMoved = (endpoint: ResolvedEndpoint): void => {
    if ('follow' in this.#target && endpoint.kind === this.#target.follow) this.#aim(endpoint);
  };
  #seal: SessionMediaSeal | null = null;
  #rejected = 0;
  #host = '';
  #port = 0;
  #socket: Socket | null = null;
  #keepalive: NodeJS.Timeout | null = null;
  #sequence = 0;

  constructor(
    session: Session,
    kind: 'audio' | 'video',
    target: MediaTarget,
    keepaliveMs: number,
    onDatagram: (bytes: Buffer) => void,
    onError: (error: Error) => void,
  ) {
    this.#session = session;
    this.#kind = kind;
    this.#target = target;
    this.#keepaliveMs = keepaliveMs;
    this.#onDatagram = onDatagram;
    this.#onError = onError;
  }

  /** The media token while joined: what every datagram to the service carries. */
  get token(): Buffer | undefined {
    return this.#socket === null ? undefined : this.#session.mediaToken;
  }

  /** Where datagrams go now. */
  get destination(): { host: string; port: number } {
    return { host: this.#host, port: this.#port };
  }

  /** Datagrams received and dropped: not sealed as this session's are, a wrong key, a replay. */
  get rejected(): number {
    return this.#rejected;
  }

  /** The stream's next sequence number. */
  nextSequence(): number {
    this.#sequence = (this.#sequence + 1) >>> 0;
    return this.#sequence;
  }

  async open(): Promise<void> {
    if (this.#socket !== null) return;
    const start =
      'follow' in this.#target ? this.#session.endpoint(this.#target.follow) : this.#target;
    this.#host = start.host;
    this.#port = start.port;
    const socket = createSocket(this.#host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (bytes: Buffer) => this.#receive(bytes));
    socket.on('error', (error) => this.#onError(error));
    await new Promise<void>((resolve) => socket.bind(0, resolve));
    socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    this.#socket = socket;
    this.#session.on('mediaMoved', this.#onMoved);
    this.#seal = new SessionMediaSeal(this.#session, this.#kind);
    this.#sendKeepalive();
    this.#keepalive = setInterval(() => this.#sendKeepalive(), this.#keepaliveMs);
  }

  /** Sends a (version 1) datagram: sealed first when the session's media is sealed. */
  send(datagram: Buffer): void {
    if (this.#socket === null || this.#seal === null) return;
    this.#socket.send(this.#seal.seal(datagram), this.#port, this.#host);
  }

  #receive(bytes: Buffer): void {
    const opened = this.#seal?.open(bytes) ?? null;
    if (opened === null) this.#rejected++;
    else this.#onDatagram(opened);
  }

  /** Safe to call twice. */
  close(): void {
    this.#session.off('mediaMoved', this.#onMoved);
    this.#seal?.close();
    this.#seal = null;
    if (this.#keepalive !== null) clearInterval(this.#keepalive);
    this.#keepalive = null;
    this.#socket?.close();
    this.#socket = null;
  }

  /** Sends to the new place from now on, and says hello there at once so it answers. */
  #aim(endpoint: { host: string; port: number }): void {
    this.#host = endpoint.host;
    this.#port = endpoint.port;
    this.#seal?.resetReplayWindow();
    this.#sendKeepalive();
  }

  #sendKeepalive(): void {
    const token = this.token;
    if (token !== undefined) this.send(encodeKeepalive(token, this.#sequence));
  }
}

/**
 * A media client's target from its options: a host or port given pins it there (the rest from
 * the control host and the kind's default port); otherwise it follows the session's endpoint.
 */
export function mediaTarget(
  options: { session: Session; host?: string; port?: number },
  kind: MediaKind,
): MediaTarget {
  if (options.host === undefined && options.port === undefined) return { follow: kind };
  return {
    host: options.host ?? options.session.server.host,
    port: options.port ?? DEFAULT_PORTS[kind],
  };
}
