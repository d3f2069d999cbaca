/**
 * Sample-rate conversion for the page's audio, by linear interpolation: enough for speech
 * between the rates browsers run at (48 kHz, 44.1 kHz) and the mixer's 44.1 kHz, and cheap
 * enough to run per sample inside an AudioWorklet. Plain TypeScript, no Web Audio.
 */

/**
 * Turns the microphone's blocks (any rate, floats in -1..1) into the mixer's frames: 16-bit
 * samples at `toRate`, `frameSamples` a frame, handed to `onFrame` with the frame's RMS level
 * (0..1). Each frame is a new array, so it can be transferred to another thread.
 */
export class MicFramer {
  readonly #step: number;
  readonly #frameSamples: number;
  readonly #onFrame: (frame: Int16Array, level: number) => void;
  /** Where the next output sample lies, in input samples from the start of the next block. */
  #position = 0;
  #previous = 0;
  #frame: Int16Array;
  #filled = 0;
  #energy = 0;

  constructor(
    fromRate: number,
    toRate: number,
    frameSamples: number,
    onFrame: (frame: Int16Array, level: number) => void,
  ) {
    this.#step = fromRate / toRate;
    this.#frameSamples = frameSamples;
    this.#onFrame = onFrame;
    this.#frame = new Int16Array(frameSamples);
  }

  push(input: Float32Array): void {
    const n = input.length;
    let t = this.#position;
    // Between the previous block's last sample (index -1) and this block's last one.
    while (t < n - 1) {
      const i = Math.floor(t);
      const a = i < 0 ? this.#previous : input[i];
      const value = a + (input[i + 1] - a) * (t - i);
      this.#add(value);
      t += this.#step;
    }
    this.#position = t - n;
    if (n > 0) this.#previous = input[n - 1];
  }

  #add(value: number): void {
    const clipped = value > 1 ? 1 : value < -1 ? -1 : value;
    this.#frame[this.#filled++] = Math.round(clipped * 32767);
    this.#energy += clipped * clipped;
    if (this.#filled < this.#frameSamples) return;
    const frame = this.#frame;
    const level = Math.sqrt(this.#energy / this.#frameSamples);
    this.#frame = new Int16Array(this.#frameSamples);
    this.#filled = 0;
    this.#energy = 0;
    this.#onFrame(frame, level);
  }
}

/**
 * Reads a sample source at one rate and fills output blocks at another: `step` source samples
 * per output sample (44100 / 48000 to play 44.1 kHz audio on a 48 kHz device).
 */
export class PullResampler {
  readonly #step: number;
  readonly #source: () => number;
  #a: number;
  #b: number;
  #fraction = 0;

  constructor(step: number, source: () => number) {
    this.#step = step;
    this.#source = source;
    this.#a = source();
    this.#b = source();
  }

  fill(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) {
      out[i] = this.#a + (this.#b - this.#a) * this.#fraction;
      this.#fraction += this.#step;
      while (this.#fraction >= 1) {
        this.#fraction -= 1;
        this.#a = this.#b;
        this.#b = this.#source();
      }
    }
  }
}
