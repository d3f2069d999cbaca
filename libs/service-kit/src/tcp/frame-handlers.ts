import {
  ControlMessageType,
  ControlPayloads,
  ErrorCode,
  Frame,
  FrameLimits,
  MessageType,
} from '@sapora/protocol';
import { Logger } from 'pino';
import { FramedConnection } from './framed-connection';

/**
 * A request refused with a documented error code. Thrown by a handler (or by the edge check of
 * its payload), it is answered by the dispatcher with an ERROR frame naming the request.
 */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The connection closes after the answer. */
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** One connection as its handlers see it: the peer, the service's state for it, and its log. */
export interface ConnectionContext<S> {
  readonly connection: FramedConnection;
  readonly log: Logger;
  state: S;
  /**
   * A live session's token has opened something on this connection (a join, an upload, a share):
   * the deadline for proving one no longer runs. `deauthenticate()` starts it again.
   */
  authenticate(): void;
  deauthenticate(): void;
  readonly authenticated: boolean;
}

export type FrameHandler<S, P> = (
  payload: P,
  frame: Frame,
  context: ConnectionContext<S>,
) => void | Promise<void>;

/** Types whose payload is raw bytes (file data, an image) rather than protobuf. */
export type RawMessageType = MessageType.FileChunk | MessageType.ScreenFrame;

export interface HandlerEntry<S> {
  raw: boolean;
  /** class-validator DTO the decoded payload must satisfy before the handler sees it. */
  dto?: new () => object;
  // A method, not a function-typed property: a service's handlers for its own state S still
  // count as handlers of unknown state for the shell that only passes contexts through.
  handle(payload: unknown, frame: Frame, context: ConnectionContext<S>): void | Promise<void>;
}

/**
 * A service's frame handlers, one per message type it accepts. Frames of other types never
 * reach them: the decoder refuses any type missing from `limits`.
 */
export class FrameHandlers<S> {
  readonly #entries = new Map<number, HandlerEntry<S>>();

  constructor(readonly limits: FrameLimits) {}

  /** A protobuf message type; the payload arrives decoded (and checked against `dto`, if given). */
  on<T extends ControlMessageType>(
    type: T,
    handle: FrameHandler<S, ControlPayloads[T]>,
    dto?: new () => object,
  ): this {
    this.#add(type, { raw: false, dto, handle: handle });
    return this;
  }

  /** A raw-bytes message type; the payload arrives as it came. */
  onRaw(type: RawMessageType, handle: FrameHandler<S, Buffer>): this {
    this.#add(type, { raw: true, handle: handle });
    return this;
  }

  get(type: number): HandlerEntry<S> | undefined {
    return this.#entries.get(type);
  }

  /** Every accepted type has a handler: a missing one is a programming error, found at start. */
  assertComplete(): void {
    for (const type of this.limits.keys())
      if (!this.#entries.has(type)) throw new Error(`no handler for accepted frame type ${type}`);
  }

  #add(type: number, entry: HandlerEntry<S>): void {
    if (!this.limits.has(type)) throw new Error(`frame type ${type} is not in this side's limits`);
    this.#entries.set(type, entry);
  }
}
