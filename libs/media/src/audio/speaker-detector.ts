/** Tuning of SpeakerDetector; every figure has a default fit for speech at 44.1 kHz. */
export interface SpeakerDetectorOptions {
  /** Length of one mix tick (one frame), ms. */
  frameMs: number;
  /** Mean absolute sample value from which a frame counts as voice (default 500, about -36 dBFS). */
  voiceLevel?: number;
  /** Voice this long (net of quiet frames) makes a speaker (default 240 ms): a click or a cough does not. */
  startMs?: number;
  /** Quiet this long ends a speaker (default 800 ms): the pauses between words do not. */
  stopMs?: number;
  /** At most one report of a change per this interval (default 300 ms); later changes wait. */
  minIntervalMs?: number;
}

interface Voice {
  /** Voice heard, net of quiet frames since, ms (never below 0). */
  loudMs: number;
  /** Quiet in a row, ms. */
  quietMs: number;
  speaking: boolean;
  /** Smoothed level, for the order of the report. */
  level: number;
  heard: boolean;
}

/**
 * Who is speaking in one room, from the level of each sender's frame that the mixer computes
 * anyway. Hysteresis both ways (a speaker needs startMs of voice to begin and stopMs of quiet to
 * end) keeps a breath or a pause from flickering, and reports are spaced by minIntervalMs.
 * Time is counted in ticks, so the same input always gives the same reports. Allocates only
 * when it reports.
 */
export class SpeakerDetector {
  readonly #frameMs: number;
  readonly #voiceLevel: number;
  readonly #startMs: number;
  readonly #stopMs: number;
  readonly #minIntervalMs: number;
  readonly #voices = new Map<string, Voice>();
  #nowMs = 0;
  #lastReportMs = -Infinity;
  #changed = false;

  constructor(options: SpeakerDetectorOptions) {
    this.#frameMs = options.frameMs;
    this.#voiceLevel = options.voiceLevel ?? 500;
    this.#startMs = options.startMs ?? 240;
    this.#stopMs = options.stopMs ?? 800;
    this.#minIntervalMs = options.minIntervalMs ?? 300;
  }

  /** A sender's frame this tick had this mean absolute sample value. */
  level(id: string, meanAbs: number): void {
    let voice = this.#voices.get(id);
    if (voice === undefined) {
      voice = { loudMs: 0, quietMs: 0, speaking: false, level: 0, heard: false };
      this.#voices.set(id, voice);
    }
    voice.heard = true;
    voice.level = voice.level * 0.8 + meanAbs * 0.2;
    if (meanAbs >= this.#voiceLevel) {
      voice.loudMs += this.#frameMs;
      voice.quietMs = 0;
    } else this.#quiet(voice);
  }

  /** A participant left the room: no longer a speaker. */
  remove(id: string): void {
    const voice = this.#voices.get(id);
    if (voice === undefined) return;
    this.#voices.delete(id);
    if (voice.speaking) this.#changed = true;
  }

  /**
   * Ends a tick: senders without a frame count as quiet. Returns the speakers (loudest first)
   * when they changed and the last report is old enough, else null.
   */
  tick(): string[] | null {
    this.#nowMs += this.#frameMs;
    for (const [id, voice] of this.#voices) {
      if (!voice.heard) {
        this.#quiet(voice);
        voice.level *= 0.8;
      }
      voice.heard = false;
      if (!voice.speaking && voice.loudMs >= this.#startMs) {
        voice.speaking = true;
        this.#changed = true;
      } else if (voice.speaking && voice.quietMs >= this.#stopMs) {
        voice.speaking = false;
        voice.loudMs = 0;
        this.#changed = true;
      }
      // Someone silent for long is forgotten, so a room's map holds only its recent voices.
      if (!voice.speaking && voice.loudMs === 0 && voice.quietMs > 10 * this.#stopMs)
        this.#voices.delete(id);
    }
    if (!this.#changed || this.#nowMs - this.#lastReportMs < this.#minIntervalMs) return null;
    this.#changed = false;
    this.#lastReportMs = this.#nowMs;
    return this.speakers();
  }

  /** The speakers now, loudest first. */
  speakers(): string[] {
    return [...this.#voices]
      .filter(([, voice]) => voice.speaking)
      .sort(([, a], [, b]) => b.level - a.level)
      .map(([id]) => id);
  }

  #quiet(voice: Voice): void {
    voice.quietMs += this.#frameMs;
    voice.loudMs = Math.max(0, voice.loudMs - this.#frameMs);
  }
}
