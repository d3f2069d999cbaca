import { AddressInfo } from 'node:net';
import { Logger } from 'pino';
import {
  decodePayload,
  ErrorCode,
  Frame,
  MalformedPayloadError,
  messageTypeName,
} from '@sapora/protocol';
import { isRedisUnavailable } from '@sapora/coordination';
import { firstProblem } from '../validation/first-problem';
import { ConnectionDeadlines, ConnectionDeadlineTimers } from './connection-deadlines';
import { ConnectionContext, FrameHandlers, RequestError } from './frame-handlers';
import { FramedConnection } from './framed-connection';
import { FramedTcpServer, TransportSecurity } from './framed-tcp-server';

/**
 * What a framed TCP service supplies: its handlers, its connection deadlines, and what it keeps
 * per connection. The edge does everything else (accept, decode, dispatch, answer errors).
 */
export interface FramedProtocol<S> {
  readonly handlers: FrameHandlers<S>;
  readonly deadlines: ConnectionDeadlines;
  /** Per-connection state, made when a connection opens. */
  open(context: ConnectionContext<S>): S;
  /** The connection has closed, for whatever reason. */
  closed?(context: ConnectionContext<S>): void;
  /** A frame of this connection failed (already answered): e.g. give up an upload in progress. */
  failed?(context: ConnectionContext<S>, error: unknown): void;
  /** At shutdown, each connection's last frame (control: DISCONNECT with retry) before it closes. */
  farewell?(connection: FramedConnection): void;
}

export interface FramedEdgeOptions {
  /** Service name, for log lines ("control listening on ..."). */
  name: string;
  host: string;
  port: number;
  incompleteFrameTimeoutMs: number;
  maxSendBufferBytes: number;
  shutdownGraceMs: number;
  security: TransportSecurity;
  /** SHA-256 of the certificate TLS peers see (logged at start so people can compare it). */
  fingerprint256?: string;
}

const UNAVAILABLE_TEXT = 'the server cannot reach its shared store right now; try again shortly';

/**
 * The one place a framed TCP service meets the wire. Each connection's frames are handled one
 * at a time, in order; every error of every handler (decode, validation, refusal, a thrown or
 * rejected handler, Redis being away) is caught here and answered with the documented ERROR,
 * and the service goes on serving everyone else.
 */
export class FramedServiceEdge<S> {
  readonly #options: FramedEdgeOptions;
  readonly #protocol: FramedProtocol<S>;
  readonly #logger: Logger;
  readonly #tcp: FramedTcpServer;
  #address: AddressInfo | null = null;

  constructor(options: FramedEdgeOptions, protocol: FramedProtocol<S>, logger: Logger) {
    protocol.handlers.assertComplete();
    this.#options = options;
    this.#protocol = protocol;
    this.#logger = logger;
    this.#tcp = new FramedTcpServer({
      host: options.host,
      port: options.port,
      limits: protocol.handlers.limits,
      incompleteFrameTimeoutMs: options.incompleteFrameTimeoutMs,
      maxSendBufferBytes: options.maxSendBufferBytes,
      security: options.security,
    });
    this.#tcp.on('connection', (connection) => this.#serve(connection));
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error(`${this.#options.name} is not listening`);
    return this.#address;
  }

  get listening(): boolean {
    return this.#address !== null;
  }

  get connections(): ReadonlySet<FramedConnection> {
    return this.#tcp.connections;
  }

  async listen(): Promise<AddressInfo> {
    this.#address = await this.#tcp.listen();
    const { address, port } = this.#address;
    const { security, fingerprint256 } = this.#options;
    const transport =
      security.tls === null ? 'plain TCP' : security.allowPlaintext ? 'TLS and plain TCP' : 'TLS';
    this.#logger.info(
      { host: address, port, fingerprint256 },
      `${this.#options.name} listening on ${address}:${port} (${transport})`,
    );
    return this.#address;
  }

  /** Stop accepting, say goodbye to every connection, wait for them to go (cut off after the grace). */
  async close(): Promise<void> {
    this.#tcp.stopAccepting();
    for (const connection of this.#tcp.connections) {
      if (this.#protocol.farewell !== undefined) this.#protocol.farewell(connection);
      else connection.end();
    }
    await this.#tcp.drain(this.#options.shutdownGraceMs);
    this.#address = null;
  }

  #serve(connection: FramedConnection): void {
    const log = this.#logger.child({ connection: connection.id, ip: connection.remoteAddress });
    const timers = new ConnectionDeadlineTimers(this.#protocol.deadlines, (kind, ms) =>
      connection.sendError(
        ErrorCode.Timeout,
        kind === 'authenticate'
          ? `no live session shown within ${ms} ms; closing`
          : `nothing received for ${ms} ms; closing`,
        0,
        true,
      ),
    );
    const context: ConnectionContext<S> = {
      connection,
      log,
      state: undefined as S,
      authenticate: () => timers.authenticate(),
      deauthenticate: () => timers.deauthenticate(),
      get authenticated() {
        return timers.authenticated;
      },
    };
    context.state = this.#protocol.open(context);
    let queue = Promise.resolve();
    connection.on('frame', (frame) => {
      timers.handlingStarted();
      queue = queue
        .then(() => this.#dispatch(context, frame))
        .finally(() => timers.handlingEnded());
    });
    connection.on('protocolError', (error) => {
      log.warn({ err: error.message }, 'protocol error; closing connection');
      this.#failed(context, error);
      connection.closeForProtocolError(error);
    });
    connection.on('close', () => {
      timers.close();
      try {
        this.#protocol.closed?.(context);
      } catch (error) {
        log.error({ err: error }, 'cleaning up a closed connection failed');
      }
    });
  }

  /** Handles one frame; never rejects. */
  async #dispatch(context: ConnectionContext<S>, frame: Frame): Promise<void> {
    const { connection } = context;
    if (connection.closed) return;
    try {
      const entry = this.#protocol.handlers.get(frame.type);
      if (entry === undefined)
        throw new RequestError(
          ErrorCode.UnknownType,
          `${messageTypeName(frame.type)} is not accepted here`,
          true,
        );
      const payload: unknown = entry.raw
        ? frame.payload
        : decodePayload(frame.type as never, frame.payload);
      if (entry.dto !== undefined) {
        const problem = firstProblem(entry.dto, payload as object);
        if (problem !== null) throw new RequestError(ErrorCode.InvalidRequest, problem);
      }
      await entry.handle(payload, frame, context);
    } catch (error) {
      this.#answer(context, frame, error);
      this.#failed(context, error);
    }
  }

  #answer(context: ConnectionContext<S>, frame: Frame, error: unknown): void {
    const { connection, log } = context;
    const type = messageTypeName(frame.type);
    if (error instanceof RequestError) {
      connection.sendError(error.code, error.message, frame.sequence, error.fatal);
    } else if (error instanceof MalformedPayloadError) {
      log.warn({ type, err: error.message }, 'malformed payload');
      connection.sendError(ErrorCode.MalformedFrame, error.message, frame.sequence, true);
    } else if (isRedisUnavailable(error)) {
      log.warn({ type, err: (error as Error).message }, 'Redis unavailable');
      connection.sendError(ErrorCode.Unavailable, UNAVAILABLE_TEXT, frame.sequence);
    } else {
      log.error({ err: error, type }, 'request failed');
      connection.sendError(ErrorCode.Internal, 'internal error; try again', frame.sequence);
    }
  }

  #failed(context: ConnectionContext<S>, error: unknown): void {
    try {
      this.#protocol.failed?.(context, error);
    } catch (cleanupError) {
      context.log.error({ err: cleanupError }, 'cleaning up after a failed request failed');
    }
  }
}
