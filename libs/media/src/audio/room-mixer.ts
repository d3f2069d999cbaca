/**
 * One room's mix for one tick: every listener hears the sum of everyone else.
 *
 * Why sum-and-clip rather than the seed's average: an average divides each voice by the
 * number of people in the room, so everyone gets quieter as the room grows, and a room of ten
 * where one person speaks plays them at a tenth of their level. Summing keeps each voice at
 * the level it was sent; clipping only bites when several people shout at once, which speech
 * rarely does.
 *
 * Cost: one pass adds every active frame into a 32-bit total; everyone who is not speaking
 * hears the same thing, the total clipped to 16 bits once for all of them, and each speaker
 * gets the total minus their own frame: O(speakers × samples) of mixing whatever the number of
 * listeners (who then cost one send each). A room where nobody speaks costs nothing.
 *
 * Who is speaking comes almost free from the same pass: the sum of squares of each frame as it
 * is added. Each listener is told the loudest voice in their mix (not their own) whose RMS is
 * over SPEAKING_RMS, so clients can ring that person's tile without measuring anything.
 */
/** RMS (of full scale) over which a voice counts as speaking: 2%, about -34 dBFS. */
export const SPEAKING_RMS = 0.02;

export class RoomMixer {
  readonly #frameSamples: number;
  readonly #total: Int32Array;
  /** What every listener who is not speaking hears this tick. */
  readonly #shared: Int16Array;
  readonly #outputs = new Map<string, Int16Array>();
  readonly #frames = new Map<string, Int16Array>();
  readonly #speakingEnergy: number;

  constructor(frameSamples: number) {
    this.#frameSamples = frameSamples;
    this.#total = new Int32Array(frameSamples);
    this.#shared = new Int16Array(frameSamples);
    this.#speakingEnergy = (SPEAKING_RMS * 32768) ** 2 * frameSamples;
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
   * mix (arrays reused next tick; listeners who are not speaking all get the same one, so a
   * deliverer may encode it once) and the loudest speaking voice in it (null: none over
   * SPEAKING_RMS). Listeners who would hear only silence get nothing.
   * `level`, if given, hears each sender's mean absolute sample value, summed in the same pass
   * that adds the frame into the total (who is speaking costs no extra pass over the samples).
   */
  mix(
    deliver: (listenerId: string, mixed: Int16Array, speakerId: string | null) => void,
    level?: (senderId: string, meanAbs: number) => void,
  ): void {
    const frames = this.#frames;
    if (frames.size === 0) return;
    const total = this.#total;
    const n = this.#frameSamples;
    total.fill(0);
    // The two loudest speaking voices: a listener who is the loudest hears the second.
    let loudest: string | null = null;
    let loudestEnergy = this.#speakingEnergy;
    let second: string | null = null;
    let secondEnergy = this.#speakingEnergy;
    for (const [id, frame] of frames) {
      let energy = 0;
      let sumAbs = 0;
      for (let i = 0; i < n; i++) {
        const sample = frame[i];
        total[i] += sample;
        energy += sample * sample;
        sumAbs += sample < 0 ? -sample : sample;
      }
      level?.(id, sumAbs / n);
      if (energy > loudestEnergy) {
        second = loudest;
        secondEnergy = loudestEnergy;
        loudest = id;
        loudestEnergy = energy;
      } else if (energy > secondEnergy) {
        second = id;
        secondEnergy = energy;
      }
    }
    const shared = this.#shared;
    for (let i = 0; i < n; i++) shared[i] = clip(total[i]);
    for (const [listenerId, output] of this.#outputs) {
      const own = frames.get(listenerId);
      if (own === undefined) {
        deliver(listenerId, shared, loudest);
        continue;
      }
      if (frames.size === 1) continue;
      for (let i = 0; i < n; i++) output[i] = clip(total[i] - own[i]);
      deliver(listenerId, output, loudest === listenerId ? second : loudest);
    }
    frames.clear();
  }
}

function clip(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}
