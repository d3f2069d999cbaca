/**
 * One room's mix for one tick: every listener hears the sum of everyone else.
 *
 * Why sum-and-clip rather than the seed's average: an average divides each voice by the
 * number of people in the room, so everyone gets quieter as the room grows, and a room of ten
 * where one person speaks plays them at a tenth of their level. Summing keeps each voice at
 * the level it was sent; clipping only bites when several people shout at once, which speech
 * rarely does.
 *
 * Cost: one pass adds every active frame into a 32-bit total; each listener then gets
 * total minus their own frame, clipped to 16 bits: O(listeners × samples), not O(n²).
 * A sender with no frame this tick (muted, silent, not started) costs nothing.
 */
export class RoomMixer {
  readonly #frameSamples: number;
  readonly #total: Int32Array;
  readonly #outputs = new Map<string, Int16Array>();
  readonly #frames = new Map<string, Int16Array>();

  constructor(frameSamples: number) {
    this.#frameSamples = frameSamples;
    this.#total = new Int32Array(frameSamples);
  }

  get frameSamples(): number {
    return this.#frameSamples;
  }

  addListener(id: string): void {
    if (!this.#outputs.has(id)) this.#outputs.set(id, new Int16Array(this.#frameSamples));
  }

  removeListener(id: string): void {
    this.#outputs.delete(id);
    this.#frames.delete(id);
  }

  get listeners(): number {
    return this.#outputs.size;
  }

  /** Gives a sender's frame for this tick (the mixer reads it during mix(); it is not copied). */
  setFrame(id: string, samples: Int16Array): void {
    if (samples.length !== this.#frameSamples) {
      throw new RangeError(
        `frame has ${samples.length} samples, the mixer expects ${this.#frameSamples}`,
      );
    }
    this.#frames.set(id, samples);
  }

  /**
   * Mixes the frames given since the last mix and hands each listener who hears someone their
   * mix (an array reused next tick). Listeners who would hear only silence get nothing.
   */
  mix(deliver: (listenerId: string, mixed: Int16Array) => void): void {
    const frames = this.#frames;
    if (frames.size === 0) return;
    const total = this.#total;
    const n = this.#frameSamples;
    total.fill(0);
    for (const frame of frames.values()) {
      for (let i = 0; i < n; i++) total[i] += frame[i];
    }
    for (const [listenerId, output] of this.#outputs) {
      const own = frames.get(listenerId);
      if (own !== undefined && frames.size === 1) continue;
      if (own === undefined) {
        for (let i = 0; i < n; i++) output[i] = clip(total[i]);
      } else {
        for (let i = 0; i < n; i++) output[i] = clip(total[i] - own[i]);
      }
      deliver(listenerId, output);
    }
    frames.clear();
  }
}

function clip(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}
