/**
 * TCP frame codec.
 *
 *   0         1         2                   6                   10
 *   +---------+---------+-------------------+-------------------+------------------+
 *   | version |  type   |  length (u32 BE)  | sequence (u32 BE) | payload (length) |
 *   +---------+---------+-------------------+-------------------+------------------+
 *
 * The decoder is incremental: feed it whatever the socket gives (a piece of a frame, or
 * many frames at once) and it hands back every complete frame. The header is checked as
 * soon as its 10 bytes are in: a bad version, a type the direction does not accept or a
 * length over the type's limit throws before any payload is buffered. After a throw the
 * decoder is reset, so a caller that keeps it gets a clean state.
 */
import { ByteQueue } from './byte-queue';
import { FrameLimits } from './message-type';
import { FrameTooLargeError, UnknownFrameTypeError, UnsupportedVersionError } from './frame-errors';

export const PROTOCOL_VERSION = 1;

export const VERSION_OFFSET = 0;
export const TYPE_OFFSET = 1;
export const LENGTH_OFFSET = 2;
export const SEQUENCE_OFFSET = 6;
export const HEADER_LENGTH = 10;

export interface Frame {
  type: number;
  sequence: number;
  payload: Buffer;
}

/** Header and payload in one buffer, ready for socket.write(). */
/** The 10-byte header alone, for a sender that writes a large payload after it uncopied. */
export function encodeFrameHeader(type: number, sequence: number, payloadLength: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  header.writeUInt8(PROTOCOL_VERSION, VERSION_OFFSET);
  header.writeUInt8(type, TYPE_OFFSET);
  header.writeUInt32BE(payloadLength, LENGTH_OFFSET);
  header.writeUInt32BE(sequence >>> 0, SEQUENCE_OFFSET);
  return header;
}

export function encodeFrame(
  type: number,
  sequence: number,
  payload: Uint8Array = new Uint8Array(0),
): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  frame.writeUInt8(PROTOCOL_VERSION, VERSION_OFFSET);
  frame.writeUInt8(type, TYPE_OFFSET);
  frame.writeUInt32BE(payload.length, LENGTH_OFFSET);
  frame.writeUInt32BE(sequence >>> 0, SEQUENCE_OFFSET);
  frame.set(payload, HEADER_LENGTH);
  return frame;
}

export class FrameDecoder {
  readonly #limits: FrameLimits;
  /** Received bytes not yet consumed. */
  readonly #bytes = new ByteQueue();
  /** Header of the frame whose payload is being collected, once its 10 bytes are in. */
  #pending: { type: number; sequence: number; length: number } | null = null;

  constructor(limits: FrameLimits) {
    this.#limits = limits;
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#bytes.length;
  }

  /** True while a frame has started to arrive but is not complete. */
  get hasPartialFrame(): boolean {
    return this.#bytes.length > 0 || this.#pending !== null;
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    this.#bytes.push(chunk);
    try {
      for (;;) {
        if (this.#pending === null) {
          if (this.#bytes.length < HEADER_LENGTH) break;
          this.#pending = this.#readHeader(this.#bytes.take(HEADER_LENGTH));
        }
        if (this.#bytes.length < this.#pending.length) break;
        const { type, sequence, length } = this.#pending;
        this.#pending = null;
        frames.push({ type, sequence, payload: this.#bytes.take(length) });
      }
    } catch (error) {
      this.reset();
      throw error;
    }
    return frames;
  }

  reset(): void {
    this.#bytes.clear();
    this.#pending = null;
  }

  #readHeader(header: Buffer): { type: number; sequence: number; length: number } {
    const version = header.readUInt8(VERSION_OFFSET);
    if (version !== PROTOCOL_VERSION) throw new UnsupportedVersionError(version);
    const type = header.readUInt8(TYPE_OFFSET);
    const limit = this.#limits.get(type);
    if (limit === undefined) throw new UnknownFrameTypeError(type);
    const length = header.readUInt32BE(LENGTH_OFFSET);
    if (length > limit) throw new FrameTooLargeError(type, length, limit);
    return { type, sequence: header.readUInt32BE(SEQUENCE_OFFSET), length };
  }
}
