import { FramePiece } from './frame-fragmenter';

export interface FrameReassemblerOptions {
  /** A frame whose pieces have not all arrived this long after its first is dropped. */
  timeoutMs?: number;
  /** Frames being assembled at once; the oldest is dropped to make room. */
  maxInFlight?: number;
}

export interface ReassemblerStats {
  completed: number;
  /** Dropped incomplete: timed out, pushed out, or overtaken by a newer complete frame. */
  dropped: number;
  /** Pieces of a frame older than one already handed out, or repeated pieces. */
  stale: number;
  duplicates: number;
}

interface Partial {
  frameId: number;
  count: number;
  pieces: (Buffer | null)[];
  received: number;
  bytes: number;
  startedAt: number;
}

const newer = (a: number, b: number): boolean => ((a - b) | 0) > 0;

/**
 * Puts one sender's frames back together from pieces that may come in any order, twice, or
 * not at all. A complete frame comes out byte for byte; frames never come out older than one
 * already handed out (a late complete frame is dropped); incomplete ones are dropped on a
 * timeout, and memory is bounded by maxInFlight frames.
 */
export class FrameReassembler {
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #partials = new Map<number, Partial>();
  #lastDelivered: number | null = null;
  readonly #stats: ReassemblerStats = { completed: 0, dropped: 0, stale: 0, duplicates: 0 };

  constructor(options: FrameReassemblerOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  get stats(): ReassemblerStats {
    return { ...this.#stats };
  }

  get inFlight(): number {
    return this.#partials.size;
  }

  /** Adds a piece; returns the whole frame when this piece completes it, else null. */
  push(piece: FramePiece, nowMs: number): { frameId: number; frame: Buffer } | null {
    this.expire(nowMs);
    if (this.#lastDelivered !== null && !newer(piece.frameId, this.#lastDelivered)) {
      this.#stats.stale++;
      return null;
    }
    let partial = this.#partials.get(piece.frameId);
    if (partial === undefined) {
      partial = {
        frameId: piece.frameId,
        count: piece.count,
        pieces: new Array<Buffer | null>(piece.count).fill(null),
        received: 0,
        bytes: 0,
        startedAt: nowMs,
      };
      this.#makeRoom();
      this.#partials.set(piece.frameId, partial);
    }
    if (piece.count !== partial.count || piece.index >= partial.count) {
      this.#stats.stale++;
      return null;
    }
    if (partial.pieces[piece.index] !== null) {
      this.#stats.duplicates++;
      return null;
    }
    // The piece is a view of a socket buffer; keep a copy of our own.
    partial.pieces[piece.index] = Buffer.from(piece.piece);
    partial.received++;
    partial.bytes += piece.piece.length;
    if (partial.received < partial.count) return null;

    this.#partials.delete(piece.frameId);
    for (const other of [...this.#partials.values()]) {
      if (!newer(other.frameId, piece.frameId)) {
        this.#partials.delete(other.frameId);
        this.#stats.dropped++;
      }
    }
    this.#lastDelivered = piece.frameId;
    this.#stats.completed++;
    return {
      frameId: piece.frameId,
      frame: Buffer.concat(partial.pieces as Buffer[], partial.bytes),
    };
  }

  /** Drops frames that have waited too long for their missing pieces. */
  expire(nowMs: number): void {
    for (const partial of this.#partials.values()) {
      if (nowMs - partial.startedAt > this.#timeoutMs) {
        this.#partials.delete(partial.frameId);
        this.#stats.dropped++;
      }
    }
  }

  #makeRoom(): void {
    while (this.#partials.size >= this.#maxInFlight) {
      let oldest: Partial | null = null;
      for (const partial of this.#partials.values())
        if (oldest === null || newer(oldest.frameId, partial.frameId)) oldest = partial;
      if (oldest === null) return;
      this.#partials.delete(oldest.frameId);
      this.#stats.dropped++;
    }
  }
}
