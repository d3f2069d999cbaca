/** How a PlayoutBuffer behaves; the defaults are the page's. */
export interface PlayoutOptions {
  sampleRate: number;
  frameSamples: number;
  /** The delay it starts with and shrinks back to (ms). */
  minMs?: number;
  /** The most delay it grows to under jitter (ms). */
  maxMs?: number;
  /** Playing this long with no gap lets the delay shrink one step (ms of audio). */
  calmMs?: number;
}

/** What a PlayoutBuffer did. */
export interface PlayoutStats {
  /** Audio waiting now, and the delay aimed at (ms). */
  depthMs: number;
  targetMs: number;
  /** Frames that were missing when due, each concealed. */
  underruns: number;
  /** Frames dropped because too much was waiting (the delay shrinking back). */
  dropped: number;
  /** Frames received and played. */
  received: number;
}

/** Each gap grows the delay by one frame; each calm period shrinks it by this much. */
const SHRINK_STEP_MS = 5;

/**
 * The playback side's small adaptive buffer for the room's mix, one frame of 16-bit samples at
 * a time in, one float sample at a time out. It starts playing once `minMs` of audio waits (40
 * ms by default), so ordinary arrival jitter never starves it. A frame missing when due is
 * concealed: the last frame again, fading to silence (no click), then silence until enough
 * waits again, and the target grows by a frame (real jitter: more buffer). After a calm period
 * the target shrinks back, and audio waiting beyond target plus two frames is dropped a frame
 * at a time, so the delay returns to about 40-60 ms.
 */
export class PlayoutBuffer {
  readonly #frameSamples: number;
  readonly #samplesPerMs: number;
  readonly #minSamples: number;
  readonly #maxSamples: number;
  readonly #calmSamples: number;
  readonly #queue: Int16Array[] = [];
  readonly #silence: Int16Array;
  #queued = 0;
  #current: Int16Array;
  #index = 0;
  #gain = 1;
  #gainStep = 0;
  #buffering = true;
  #last: Int16Array | null = null;
  #target: number;
  #calm = 0;
  #underruns = 0;
  #dropped = 0;
  #received = 0;

  constructor(options: PlayoutOptions) {
    this.#frameSamples = options.frameSamples;
    this.#samplesPerMs = options.sampleRate / 1000;
    this.#minSamples = Math.round((options.minMs ?? 40) * this.#samplesPerMs);
    this.#maxSamples = Math.round((options.maxMs ?? 200) * this.#samplesPerMs);
    this.#calmSamples = Math.round((options.calmMs ?? 3_000) * this.#samplesPerMs);
    this.#target = this.#minSamples;
    this.#silence = new Int16Array(options.frameSamples);
    this.#current = this.#silence;
    this.#index = this.#frameSamples;
  }

  get stats(): PlayoutStats {
    return {
      depthMs: this.#queued / this.#samplesPerMs,
      targetMs: this.#target / this.#samplesPerMs,
      underruns: this.#underruns,
      dropped: this.#dropped,
      received: this.#received,
    };
  }

  push(frame: Int16Array): void {
    this.#queue.push(frame);
    this.#queued += frame.length;
    this.#received++;
    // Never more than the most delay allowed: the oldest goes.
    while (this.#queued > this.#maxSamples + this.#frameSamples) this.#drop();
  }

  /** The next sample, -1..1. */
  nextSample(): number {
    if (this.#index >= this.#current.length) this.#nextFrame();
    const sample = (this.#current[this.#index++] / 32768) * this.#gain;
    this.#gain += this.#gainStep;
    return sample;
  }

  #nextFrame(): void {
    this.#index = 0;
    this.#gainStep = 0;
    if (this.#buffering) {
      if (this.#queued < this.#target + this.#frameSamples) return this.#play(this.#silence, 0);
      this.#buffering = false;
      // Fade in from the silence.
      this.#play(this.#take(), 0, 1 / this.#frameSamples);
      return;
    }
    const frame = this.#queue.length > 0 ? this.#take() : null;
    if (frame === null) {
      // A gap: the last frame again, fading out, and wait for enough audio once more.
      this.#underruns++;
      this.#calm = 0;
      this.#target = Math.min(this.#maxSamples, this.#target + this.#frameSamples);
      this.#buffering = true;
      const last = this.#last;
      this.#last = null;
      return this.#play(last ?? this.#silence, 1, -1 / this.#frameSamples);
    }
    this.#calm += frame.length;
    if (this.#calm >= this.#calmSamples) {
      this.#calm = 0;
      this.#target = Math.max(
        this.#minSamples,
        this.#target - Math.round(SHRINK_STEP_MS * this.#samplesPerMs),
      );
    }
    if (this.#queued > this.#target + 2 * this.#frameSamples) this.#drop();
    this.#play(frame, 1);
  }

  #play(frame: Int16Array, gain: number, gainStep = 0): void {
    this.#current = frame;
    this.#gain = gain;
    this.#gainStep = gainStep;
    if (frame !== this.#silence) this.#last = frame;
  }

  #take(): Int16Array {
    const frame = this.#queue.shift() ?? this.#silence;
    this.#queued -= frame === this.#silence ? 0 : frame.length;
    return frame;
  }

  #drop(): void {
    const frame = this.#queue.shift();
    if (frame === undefined) return;
    this.#queued -= frame.length;
    this.#dropped++;
  }
}
