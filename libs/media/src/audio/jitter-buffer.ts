/**
 * Per-sender jitter buffer: packets go in as they arrive (in any order), one frame comes out
 * per frame period at a steady pace.
 *
 * - Slots are preallocated (one Int16Array each) and indexed by sequence number, so a push
 *   copies samples into place and allocates nothing.
 * - Duplicates and packets older than the playout point are dropped and counted.
 * - Depth adapts to the measured interarrival jitter (RFC 3550's estimator): playout starts
 *   (and restarts after the sender goes quiet) once `targetDepth` frames are queued, and a
 *   queue that grows more than two frames past the target drops frames to catch up. It never holds more
 *   than `maxDelayMs`: a packet that would overflow it pushes the playout point forward.
 * - A queue that stays above its target for a whole shrink window (a sender's clock a little
 *   faster than the mixer's, a burst after a stall) loses one frame per window, so the delay
 *   returns to the target instead of sitting up to two frames deeper; reordering, which only
 *   deepens the queue for a moment, never triggers it. Only on a clean stream: in a window with
 *   a frame lost or late, the extra frame is what keeps the next loss from becoming a gap.
 * - A missing frame while later ones are queued is concealed: the last frame repeated at half
 *   the level each time, then silence, rather than a stall.
 * - When the queue runs dry the buffer goes back to waiting and pull() returns null, so a
 *   muted or silent sender costs the mixer nothing.
 */
export interface JitterBufferOptions {
  frameSamples: number;
  sampleRate: number;
  /** The buffer never holds more audio than this (200 ms by default). */
  maxDelayMs?: number;
  /** Never start playing with fewer frames than this queued (1 by default). */
  minDepth?: number;
  /**
   * However much jitter it measures, never aim to hold more than this (no cap by default).
   * On a LAN the jitter that matters is a few milliseconds; a deeper target only adds delay.
   */
  maxTargetMs?: number;
}

export interface JitterBufferStats {
  received: number;
  played: number;
  duplicates: number;
  late: number;
  concealed: number;
  overflowDrops: number;
  catchUpDrops: number;
  /** Frames dropped because the queue stood above its target for a whole shrink window. */
  shrinkDrops: number;
  /** Frames queued now. */
  depth: number;
  /** Frames queued before playout starts, from the jitter. */
  targetDepth: number;
  /** Interarrival jitter, ms. */
  jitterMs: number;
}

/** Consecutive concealed frames before the buffer plays silence instead. */
const MAX_CONCEALED = 3;
/** Frames a queue may run past its target before the buffer drops one to catch up. */
const CATCH_UP_SLACK = 2;
/** Pulls over which the smallest queue is watched before a standing excess is shrunk (~0.37 s of 11.6 ms frames). */
const SHRINK_WINDOW = 32;

const seqBefore = (a: number, b: number): boolean => ((a - b) | 0) < 0;

export class JitterBuffer {
  readonly #frameSamples: number;
  readonly #frameMs: number;
  readonly #capacity: number;
  readonly #minDepth: number;
  readonly #maxTarget: number;
  readonly #slots: Int16Array[];
  readonly #slotSeq: Int32Array;
  readonly #slotArrival: Float64Array;
  readonly #filled: Uint8Array;
  readonly #concealment: Int16Array;
  /** A copy of the last real frame played: its slot may be refilled before a loss needs it. */
  readonly #lastPlayed: Int16Array;
  #hasPlayed = false;
  #lastArrivalMs = NaN;
  #playing = false;
  #nextSeq = 0;
  #queued = 0;
  #lossRun = 0;
  #targetDepth: number;
  #jitterMs = 0;
  #lastTransitMs: number | null = null;
  #windowPulls = 0;
  #windowMinQueued = Infinity;
  /** Frames concealed or arriving too late during this window. */
  #windowFaults = 0;
  readonly #stats = {
    received: 0,
    played: 0,
    duplicates: 0,
    late: 0,
    concealed: 0,
    overflowDrops: 0,
    catchUpDrops: 0,
    shrinkDrops: 0,
  };

  constructor(options: JitterBufferOptions) {
    this.#frameSamples = options.frameSamples;
    this.#frameMs = (options.frameSamples / options.sampleRate) * 1000;
    this.#capacity = Math.max(2, Math.floor((options.maxDelayMs ?? 200) / this.#frameMs));
    this.#minDepth = Math.max(1, Math.min(options.minDepth ?? 1, this.#capacity - 1));
    this.#maxTarget =
      options.maxTargetMs === undefined
        ? this.#capacity - 1
        : Math.max(
            this.#minDepth,
            Math.min(this.#capacity - 1, Math.floor(options.maxTargetMs / this.#frameMs)),
          );
    this.#targetDepth = this.#minDepth;
    this.#slots = Array.from(
      { length: this.#capacity },
      () => new Int16Array(options.frameSamples),
    );
    this.#slotSeq = new Int32Array(this.#capacity);
    this.#slotArrival = new Float64Array(this.#capacity);
    this.#filled = new Uint8Array(this.#capacity);
    this.#concealment = new Int16Array(options.frameSamples);
    this.#lastPlayed = new Int16Array(options.frameSamples);
  }

  /** Most frames the buffer holds (maxDelayMs in frames). */
  get capacity(): number {
    return this.#capacity;
  }

  /** When the frame last returned by pull() arrived (NaN if it was concealed): for latency figures. */
  get lastArrivalMs(): number {
    return this.#lastArrivalMs;
  }

  get stats(): JitterBufferStats {
    return {
      ...this.#stats,
      depth: this.#queued,
      targetDepth: this.#targetDepth,
      jitterMs: this.#jitterMs,
    };
  }

  /**
   * Queues one frame. `timestamp` is the sender's, in samples; `arrivalMs` is when it arrived
   * on a monotonic clock. Returns false when the packet was dropped (duplicate, late).
   */
  push(sequence: number, timestamp: number, samples: Int16Array, arrivalMs: number): boolean {
    if (samples.length !== this.#frameSamples) {
      throw new RangeError(`frame has ${samples.length} samples, expected ${this.#frameSamples}`);
    }
    this.#stats.received++;
    this.#measureJitter(timestamp, arrivalMs);
    const seq = sequence | 0;
    if (!this.#playing && this.#queued === 0) this.#nextSeq = seq;
    if (seqBefore(seq, this.#nextSeq)) {
      if (this.#playing) {
        this.#stats.late++;
        this.#windowFaults++;
        return false;
      }
      // Still waiting to start: an earlier packet simply starts the playout earlier.
      this.#dropAfter(seq);
      this.#nextSeq = seq;
    }
    while (((seq - this.#nextSeq) | 0) >= this.#capacity) this.#advance(true);
    const slot =
      seq % this.#capacity >= 0 ? seq % this.#capacity : (seq % this.#capacity) + this.#capacity;
    if (this.#filled[slot] === 1 && this.#slotSeq[slot] === seq) {
      this.#stats.duplicates++;
      return false;
    }
    this.#slots[slot].set(samples);
    this.#slotSeq[slot] = seq;
    this.#slotArrival[slot] = arrivalMs;
    this.#filled[slot] = 1;
    this.#queued++;
    return true;
  }

  /** The frame for this period: real, concealed, or null when there is nothing to play. */
  pull(): Int16Array | null {
    if (!this.#playing) {
      if (this.#queued < this.#targetDepth) return null;
      this.#playing = true;
    }
    while (this.#queued > this.#targetDepth + CATCH_UP_SLACK) {
      this.#advance(false);
      this.#stats.catchUpDrops++;
    }
    this.#shrinkStandingQueue();
    const slot = this.#slotOf(this.#nextSeq);
    if (this.#filled[slot] === 1 && this.#slotSeq[slot] === this.#nextSeq) {
      this.#filled[slot] = 0;
      this.#queued--;
      this.#nextSeq = (this.#nextSeq + 1) | 0;
      this.#lossRun = 0;
      this.#lastPlayed.set(this.#slots[slot]);
      this.#hasPlayed = true;
      this.#lastArrivalMs = this.#slotArrival[slot];
      this.#stats.played++;
      return this.#slots[slot];
    }
    if (this.#queued === 0) {
      // The sender stopped (muted, silent, gone): wait for it again, at the current depth.
      this.#playing = false;
      this.#lastTransitMs = null;
      this.#windowPulls = 0;
      this.#windowMinQueued = Infinity;
      this.#windowFaults = 0;
      return null;
    }
    this.#nextSeq = (this.#nextSeq + 1) | 0;
    this.#lastArrivalMs = NaN;
    this.#stats.concealed++;
    this.#windowFaults++;
    return this.#conceal();
  }

  /** Drops the oldest frame when the queue never fell to its target during a clean window. */
  #shrinkStandingQueue(): void {
    if (this.#queued < this.#windowMinQueued) this.#windowMinQueued = this.#queued;
    if (++this.#windowPulls < SHRINK_WINDOW) return;
    if (this.#windowMinQueued > this.#targetDepth && this.#windowFaults === 0) {
      this.#advance(false);
      this.#stats.shrinkDrops++;
    }
    this.#windowPulls = 0;
    this.#windowMinQueued = Infinity;
    this.#windowFaults = 0;
  }

  #conceal(): Int16Array {
    this.#lossRun++;
    const out = this.#concealment;
    if (!this.#hasPlayed || this.#lossRun > MAX_CONCEALED) {
      out.fill(0);
      return out;
    }
    const gain = 0.5 ** this.#lossRun;
    const last = this.#lastPlayed;
    for (let i = 0; i < out.length; i++) out[i] = Math.round(last[i] * gain);
    return out;
  }

  #slotOf(seq: number): number {
    const slot = seq % this.#capacity;
    return slot < 0 ? slot + this.#capacity : slot;
  }

  /** Moves the playout point one frame on, dropping what was there. */
  #advance(overflow: boolean): void {
    const slot = this.#slotOf(this.#nextSeq);
    if (this.#filled[slot] === 1 && this.#slotSeq[slot] === this.#nextSeq) {
      this.#filled[slot] = 0;
      this.#queued--;
      if (overflow) this.#stats.overflowDrops++;
    }
    this.#nextSeq = (this.#nextSeq + 1) | 0;
  }

  /** Before playout starts, frames queued past a new, earlier start that would not fit are dropped. */
  #dropAfter(seq: number): void {
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.#filled[slot] === 1 && ((this.#slotSeq[slot] - seq) | 0) >= this.#capacity) {
        this.#filled[slot] = 0;
        this.#queued--;
        this.#stats.overflowDrops++;
      }
    }
  }

  #measureJitter(timestamp: number, arrivalMs: number): void {
    const transit = arrivalMs - (timestamp / this.#frameSamples) * this.#frameMs;
    if (this.#lastTransitMs !== null) {
      const d = Math.abs(transit - this.#lastTransitMs);
      this.#jitterMs += (d - this.#jitterMs) / 16;
      const wanted = Math.ceil((2 * this.#jitterMs) / this.#frameMs) + this.#minDepth;
      this.#targetDepth = Math.max(this.#minDepth, Math.min(this.#maxTarget, wanted));
    }
    this.#lastTransitMs = transit;
  }
}
