import { TLSSocket } from 'node:tls';
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import {
  encodeFrame,
  encodeFrameHeader,
  encodePayload,
  ErrorCode,
  Frame,
  FrameDecoder,
  FrameError,
  FrameLimits,
  FrameTooLargeError,
  IncompleteFrameTimeoutError,
  MessageType,
  NoRequestTimeoutError,
  UnknownFrameTypeError,
  UnsupportedVersionError,
} from '@sapora/protocol';

export interface FramedConnectionOptions {
  /** Which frame types this side accepts, and the largest payload of each. */
  limits: FrameLimits;
  /** A frame that starts arriving must be complete within this long. */
  incompleteFrameTimeoutMs: number;
  /** A peer that lets this much unsent data pile up is too slow and is cut off. */
  maxSendBufferBytes: number;
  /**
   * Where a connection exists to make a request (files, screen): one that sends no frame at all
   * within this long is closed. Unset for control, whose connections may wait for reminders.
   */
  firstFrameTimeoutMs?: number;
}

export class SendBufferOverflowError extends Error {
  constructor(readonly buffered: number) {
    super(`peer is not reading: ${buffered} bytes waiting to be sent`);
    this.name = 'SendBufferOverflowError';
  }
}

/** The ERROR code that answers a framing error. */
function protocolErrorCode(error: FrameError): ErrorCode {
  if (error instanceof UnknownFrameTypeError) return ErrorCode.UnknownType;
  if (error instanceof FrameTooLargeError) return ErrorCode.FrameTooLarge;
  if (error instanceof UnsupportedVersionError) return ErrorCode.UnsupportedVersion;
  if (error instanceof IncompleteFrameTimeoutError || error instanceof NoRequestTimeoutError)
    return ErrorCode.Timeout;
  return ErrorCode.MalformedFrame;
}

export interface FramedConnectionEvents {
  frame: [Frame];
  /** The peer broke the framing rules; the owner answers (or not) and ends the connection. */
  protocolError: [FrameError | SendBufferOverflowError];
  /** Everything written so far has been handed to the kernel. */
  drain: [];
  close: [];
}

/**
 * One TCP peer speaking the framed protocol: turns bytes into frames and frames into bytes,
 * and enforces the limits. It routes nothing: the server that owns it does that.
 */
export class FramedConnection extends EventEmitter<FramedConnectionEvents> {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Over TLS (false: a plain-TCP peer the server let in with SAPORA_ALLOW_PLAINTEXT). */
  readonly encrypted: boolean;
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #options: FramedConnectionOptions;
  #sequence = 0;
  #partialTimer: NodeJS.Timeout | null = null;
  #firstFrameTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(id: number, socket: Socket, options: FramedConnectionOptions) {
    super();
    this.id = id;
    this.#socket = socket;
    this.#options = options;
    this.#decoder = new FrameDecoder(options.limits);
    // IPv4 peers on a dual-stack socket appear as ::ffff:a.b.c.d; show them as people know them.
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.encrypted = socket instanceof TLSSocket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#onClose());
    socket.on('drain', () => this.emit('drain'));
    const firstFrameTimeoutMs = options.firstFrameTimeoutMs;
    if (firstFrameTimeoutMs !== undefined) {
      this.#firstFrameTimer = setTimeout(() => {
        this.#firstFrameTimer = null;
        if (!this.#closed)
          this.emit('protocolError', new NoRequestTimeoutError(firstFrameTimeoutMs));
      }, firstFrameTimeoutMs);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one frame with this side's next sequence number, which it returns. */
  send(type: number, payload?: Uint8Array): number {
    if (this.#closed) return 0;
    this.#sequence = (this.#sequence + 1) >>> 0 || 1;
    this.#socket.write(encodeFrame(type, this.#sequence, payload));
    this.#checkOverflow();
    return this.#sequence;
  }

  /**
   * Answers a protocol error as every service does: an ERROR naming it, then the connection
   * closes; a peer that is not reading gets nothing more and is cut off at once.
   */
  closeForProtocolError(error: FrameError | SendBufferOverflowError): void {
    if (error instanceof SendBufferOverflowError) this.destroy();
    else this.sendError(protocolErrorCode(error), error.message, 0, true);
  }

  /** Sends an ERROR frame; a fatal one also ends the connection once it is flushed. */
  sendError(code: ErrorCode, message: string, requestSequence = 0, fatal = false): void {
    const payload = encodePayload(MessageType.Error, { code, message, requestSequence, fatal });
    if (fatal) this.end(MessageType.Error, payload);
    else this.send(MessageType.Error, payload);
  }

  /** Like send(), but a large payload (file bytes) is written after its header, never copied. */
  sendUncopied(type: number, payload: Buffer): number {
    if (this.#closed) return 0;
    this.#sequence = (this.#sequence + 1) >>> 0 || 1;
    this.#socket.cork();
    this.#socket.write(encodeFrameHeader(type, this.#sequence, payload.length));
    this.#socket.write(payload);
    this.#socket.uncork();
    this.#checkOverflow();
    return this.#sequence;
  }

  /** Bytes written but not yet handed to the kernel. */
  get pendingBytes(): number {
    return this.#socket.writableLength;
  }

  /**
   * Writes a frame encoded once for many peers (a relayed image): its header keeps the
   * sequence number the sender gave it, and no copy is made per peer.
   */
  writeEncoded(frame: Buffer): void {
    if (this.#closed) return;
    this.#socket.write(frame);
    this.#checkOverflow();
  }

  /** Resolves once the unsent data is below `bytes` (streaming senders wait on this). */
  async writableBelow(bytes: number): Promise<void> {
    while (!this.#closed && this.#socket.writableLength > bytes) {
      // Both listeners go when either fires: a long transfer waits here thousands of times.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#socket.off('drain', done);
          this.#socket.off('close', done);
          resolve();
        };
        this.#socket.on('drain', done);
        this.#socket.on('close', done);
      });
    }
  }

  /** Answers a frame with the same sequence number (heartbeat echo); the counter does not move. */
  echo(type: number, sequence: number, payload?: Uint8Array): void {
    if (!this.#closed) this.#socket.write(encodeFrame(type, sequence, payload));
  }

  /** Sends a last frame (if any), then closes once it is flushed. */
  end(type?: number, payload?: Uint8Array): void {
    if (this.#closed) return;
    if (type !== undefined) this.send(type, payload);
    this.#closed = true;
    this.#clearPartialTimer();
    this.#socket.end();
    // A peer that never reads must not keep the socket open forever.
    setTimeout(() => this.#socket.destroy(), 2_000).unref();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#clearPartialTimer();
      this.emit('protocolError', error as FrameError);
      return;
    }
    if (frames.length > 0) this.#clearFirstFrameTimer();
    for (const frame of frames) {
      if (this.#closed) return;
      this.emit('frame', frame);
    }
    if (this.#decoder.hasPartialFrame) this.#armPartialTimer();
    else this.#clearPartialTimer();
  }

  /** A peer that lets too much pile up is not reading: its owner cuts it off. */
  #checkOverflow(): void {
    if (this.#socket.writableLength > this.#options.maxSendBufferBytes)
      this.emit('protocolError', new SendBufferOverflowError(this.#socket.writableLength));
  }

  #armPartialTimer(): void {
    if (this.#partialTimer !== null) return;
    const waitedMs = this.#options.incompleteFrameTimeoutMs;
    this.#partialTimer = setTimeout(() => {
      this.#partialTimer = null;
      if (!this.#closed) this.emit('protocolError', new IncompleteFrameTimeoutError(waitedMs));
    }, waitedMs);
  }

  #clearPartialTimer(): void {
    if (this.#partialTimer === null) return;
    clearTimeout(this.#partialTimer);
    this.#partialTimer = null;
  }

  #clearFirstFrameTimer(): void {
    if (this.#firstFrameTimer === null) return;
    clearTimeout(this.#firstFrameTimer);
    this.#firstFrameTimer = null;
  }

  #onClose(): void {
    this.#clearPartialTimer();
    this.#clearFirstFrameTimer();
    this.#closed = true;
    this.emit('close');
  }
}
