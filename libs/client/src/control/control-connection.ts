import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  CONTROL_TO_CLIENT_LIMITS,
  ControlMessageType,
  ControlPayloads,
  decodePayload,
  encodeFrame,
  encodeFrameHeader,
  encodePayload,
  FrameDecoder,
  FrameLimits,
  isRawPayloadType,
  MessageType,
} from '@sapora/protocol';
import { openServerSocket, ServerTrust } from '../tls/server-trust';

/** One frame of a given type, decoded. */
export interface DecodedFrame<T extends number, P> {
  /** The frame type (MessageType). */
  type: T;
  /** The sender's sequence number for it (section 1 of docs/PROTOCOL.md). */
  sequence: number;
  /** The payload: a decoded message, or raw bytes for file chunks and screen frames. */
  payload: P;
}

/** A decoded frame from a Sapora service, typed by its frame type. */
export type ControlFrame =
  | {
      [T in ControlMessageType]: DecodedFrame<T, ControlPayloads[T]>;
    }[ControlMessageType]
  | DecodedFrame<MessageType.FileChunk | MessageType.ScreenFrame, Buffer>;

/** What a ControlConnection emits. */
export interface ControlConnectionEvents {
  /** A frame arrived, decoded. */
  frame: [ControlFrame];
  /** The server sent bytes that are not valid frames; the connection is closed after this. */
  error: [Error];
  /** The connection is closed (by either side). */
  close: [];
}

/**
 * One framed TCP connection to a Sapora service (control by default, or files with their
 * limits): frames in, frames out, nothing more. FILE_CHUNK payloads stay raw bytes.
 */
export class ControlConnection extends EventEmitter<ControlConnectionEvents> {
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  #sequence = 0;
  #closed = false;

  private constructor(socket: Socket, limits: FrameLimits) {
    super();
    this.#socket = socket;
    this.#decoder = new FrameDecoder(limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#closed = true;
      this.emit('close');
    });
  }

  /**
   * Opens a connection (TLS checked by `trust`, see ServerTrust); rejects with a readable message
   * when the server cannot be reached, or a ServerIdentityError when it is not the one trusted.
   */
  static async open(
    host: string,
    port: number,
    timeoutMs: number,
    limits: FrameLimits = CONTROL_TO_CLIENT_LIMITS,
    trust: ServerTrust = {},
  ): Promise<ControlConnection> {
    const socket = await openServerSocket(host, port, timeoutMs, trust);
    return new ControlConnection(socket, limits);
  }

  /** The server's TLS certificate fingerprint (SHA-256); undefined over plain TCP. */
  get fingerprint256(): string | undefined {
    return this.#socket instanceof TLSSocket
      ? this.#socket.getPeerCertificate().fingerprint256
      : undefined;
  }

  /** The connection has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes written but not yet handed to the kernel: how far behind the network is. */
  get pendingBytes(): number {
    return this.#socket.writableLength;
  }

  /** Sends a frame and returns its sequence number (to match the server's answer). */
  send<T extends ControlMessageType>(type: T, payload: Partial<ControlPayloads[T]> = {}): number {
    this.#sequence = (this.#sequence + 1) >>> 0 || 1;
    if (!this.#closed)
      this.#socket.write(encodeFrame(type, this.#sequence, encodePayload(type, payload)));
    return this.#sequence;
  }

  /** Sends raw bytes as one frame (FILE_CHUNK); returns false while the socket's buffer is full. */
  sendRaw(type: MessageType, bytes: Buffer): boolean {
    this.#sequence = (this.#sequence + 1) >>> 0 || 1;
    if (this.#closed) return false;
    // Header, then the bytes as they are: a file chunk or an image is never copied.
    this.#socket.cork();
    this.#socket.write(encodeFrameHeader(type, this.#sequence, bytes.length));
    const writable = this.#socket.write(bytes);
    this.#socket.uncork();
    return writable;
  }

  /** Resolves when the socket can take more (after sendRaw returned false). */
  async drained(): Promise<void> {
    if (this.#closed || this.#socket.writableLength === 0) return;
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

  /** Closes after what was sent is flushed. */
  end(): void {
    this.#socket.end();
  }

  /** Closes the connection at once, without waiting for unsent data. */
  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    try {
      for (const frame of this.#decoder.push(chunk)) {
        const type = frame.type as ControlMessageType;
        const payload = isRawPayloadType(type) ? frame.payload : decodePayload(type, frame.payload);
        this.emit('frame', { type, sequence: frame.sequence, payload } as ControlFrame);
      }
    } catch (error) {
      this.emit('error', error as Error);
      this.#socket.destroy();
    }
  }
}
