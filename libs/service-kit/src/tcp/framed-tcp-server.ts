import { EventEmitter } from 'node:events';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { createSecureContext, SecureContext, TLSSocket } from 'node:tls';
import { encodeFrame, encodePayload, ErrorCode, MessageType } from '@sapora/protocol';
import { FramedConnection, FramedConnectionOptions } from './framed-connection';

/** How a framed TCP server meets its peers: TLS, plain TCP, or both on one port. */
export interface TransportSecurity {
  /** The key and certificate (PEM) TLS peers are served with; null: no TLS (tests of framing only). */
  tls: { key: string; cert: string } | null;
  /** Also accept plain TCP (SAPORA_ALLOW_PLAINTEXT=1); otherwise a plain peer is refused. */
  allowPlaintext: boolean;
  /** A peer must send its first byte and finish its TLS handshake within this long. */
  handshakeTimeoutMs: number;
}

export interface FramedTcpServerOptions extends FramedConnectionOptions {
  host: string;
  port: number;
  security: TransportSecurity;
}

export interface FramedTcpServerEvents {
  connection: [FramedConnection];
}

/** The first byte of every TLS connection: a handshake record (ClientHello). A Sapora frame starts with its version, 1. */
const TLS_HANDSHAKE_RECORD = 0x16;

export const PLAINTEXT_REFUSED_TEXT =
  'this server speaks TLS only: connect with TLS (plain TCP needs SAPORA_ALLOW_PLAINTEXT=1 on the server)';

/**
 * Accepts TCP peers and wraps each in a FramedConnection; tracks them for shutdown. TLS and
 * plain peers share the port: the first byte tells them apart, a TLS record starting 0x16 and a
 * frame starting with its version. A plain peer is answered with a TLS_REQUIRED error and
 * closed unless plain TCP is allowed.
 */
export class FramedTcpServer extends EventEmitter<FramedTcpServerEvents> {
  readonly #options: FramedTcpServerOptions;
  readonly #server: Server;
  readonly #secureContext: SecureContext | null;
  readonly #connections = new Set<FramedConnection>();
  /** Peers still in their first byte or TLS handshake: cut off at shutdown. */
  readonly #handshaking = new Set<Socket>();
  #nextId = 1;

  constructor(options: FramedTcpServerOptions) {
    super();
    const { tls, allowPlaintext } = options.security;
    if (tls === null && !allowPlaintext)
      throw new Error('a framed TCP server needs TLS, plain TCP allowed, or both');
    this.#options = options;
    this.#secureContext = tls === null ? null : createSecureContext(tls);
    // Without TLS there is nothing to tell apart: a peer is taken as it connects.
    this.#server = createServer((socket) =>
      this.#secureContext === null ? this.#accept(socket) : this.#sniff(socket),
    );
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
    for (const socket of this.#handshaking) socket.destroy();
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

  /** Reads the first byte (put back at once) to tell a TLS peer from a plain one. */
  #sniff(socket: Socket): void {
    this.#handshaking.add(socket);
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(), this.#options.security.handshakeTimeoutMs);
    const settled = (): void => {
      clearTimeout(timer);
      this.#handshaking.delete(socket);
    };
    socket.on('error', () => socket.destroy());
    socket.once('close', settled);
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) return void socket.destroy();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD && this.#secureContext !== null) {
        // Bytes already read are handed to the TLS layer by Node (TLSSocket's initRead).
        const secure = new TLSSocket(socket, {
          isServer: true,
          secureContext: this.#secureContext,
        });
        secure.on('error', () => secure.destroy());
        secure.once('secure', () => {
          settled();
          this.#accept(secure);
        });
      } else if (this.#options.security.allowPlaintext) {
        settled();
        this.#accept(socket);
        // 'data' listeners added while a 'readable' one was attached do not start the flow.
        socket.resume();
      } else {
        settled();
        socket.end(
          encodeFrame(
            MessageType.Error,
            0,
            encodePayload(MessageType.Error, {
              code: ErrorCode.TlsRequired,
              message: PLAINTEXT_REFUSED_TEXT,
              fatal: true,
            }),
          ),
        );
      }
    });
  }

  #accept(socket: Socket): void {
    const connection = new FramedConnection(this.#nextId++, socket, this.#options);
    this.#connections.add(connection);
    connection.once('close', () => this.#connections.delete(connection));
    this.emit('connection', connection);
  }
}
