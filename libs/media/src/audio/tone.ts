/**
 * A continuous sine tone cut into frames: the phase carries over from one frame to the next,
 * so the frames join without clicks. Used by bots, tests and benchmarks as a microphone.
 */
export class ToneSource {
  readonly #frame: Int16Array;
  readonly #step: number;
  readonly #amplitude: number;
  #phase = 0;

  constructor(frequencyHz: number, sampleRate: number, frameSamples: number, amplitude = 0.3) {
    this.#frame = new Int16Array(frameSamples);
    this.#step = (2 * Math.PI * frequencyHz) / sampleRate;
    this.#amplitude = Math.round(amplitude * 32767);
  }

  /** The next frame; the array is reused, so copy it to keep it. */
  next(): Int16Array {
    const frame = this.#frame;
    for (let i = 0; i < frame.length; i++) {
      frame[i] = Math.round(this.#amplitude * Math.sin(this.#phase));
      this.#phase += this.#step;
    }
    this.#phase %= 2 * Math.PI;
    return frame;
  }
}
