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
export function encodeFrame(type: number, sequence: number, payload: Uint8Array = EMPTY): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  frame.writeUInt8(PROTOCOL_VERSION, VERSION_OFFSET);
  frame.writeUInt8(type, TYPE_OFFSET);
  frame.writeUInt32BE(payload.length, LENGTH_OFFSET);
  frame.writeUInt32BE(sequence >>> 0, SEQUENCE_OFFSET);
  frame.set(payload, HEADER_LENGTH);
  return frame;
}

const EMPTY = Buffer.alloc(0);

export class FrameDecoder {
  readonly #limits: FrameLimits;
  /** Received bytes not yet consumed, as a list so a large payload is copied once. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Header of the frame whose payload is being collected, once its 10 bytes are in. */
  #pending: { type: number; sequence: number; length: number } | null = null;

  constructor(limits: FrameLimits) {
    this.#limits = limits;
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** True while a frame has started to arrive but is not complete. */
  get hasPartialFrame(): boolean {
    return this.#buffered > 0 || this.#pending !== null;
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    try {
      for (;;) {
        if (this.#pending === null) {
          if (this.#buffered < HEADER_LENGTH) break;
          this.#pending = this.#readHeader(this.#take(HEADER_LENGTH));
        }
        if (this.#buffered < this.#pending.length) break;
        const { type, sequence, length } = this.#pending;
        this.#pending = null;
        frames.push({ type, sequence, payload: this.#take(length) });
      }
    } catch (error) {
      this.reset();
      throw error;
    }
    return frames;
  }

  reset(): void {
    this.#chunks = [];
    this.#buffered = 0;
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

  /** Removes exactly n buffered bytes (n <= #buffered) and returns them as one buffer. */
  #take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.#chunks[0];
    if (first.length >= n) {
      this.#buffered -= n;
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const chunk = this.#chunks[0];
      const wanted = n - copied;
      if (chunk.length <= wanted) {
        chunk.copy(out, copied);
        copied += chunk.length;
        this.#chunks.shift();
      } else {
        chunk.copy(out, copied, 0, wanted);
        this.#chunks[0] = chunk.subarray(wanted);
        copied += wanted;
      }
    }
    this.#buffered -= n;
    return out;
  }
}
