// The speakers' AudioWorklet: mix frames posted by the page go into a small adaptive buffer
// (PlayoutBuffer) and are played at the context's rate; a missing frame is concealed. Every
// quarter second it tells the page how deep the buffer is and how loud the room was.
import { PlayoutBuffer } from './playout-buffer';
import { PullResampler } from './resampler';

interface Options {
  processorOptions: { sampleRate: number; frameSamples: number };
}

/** Report to the page this often, in render blocks (128 samples each). */
const REPORT_EVERY_BLOCKS = Math.round((0.25 * sampleRate) / 128);

class Playout extends AudioWorkletProcessor {
  readonly #buffer: PlayoutBuffer;
  readonly #resampler: PullResampler;
  #blocks = 0;
  #energy = 0;
  #samples = 0;

  constructor(options?: unknown) {
    super();
    const { processorOptions } = options as Options;
    this.#buffer = new PlayoutBuffer(processorOptions);
    this.#resampler = new PullResampler(processorOptions.sampleRate / sampleRate, () =>
      this.#buffer.nextSample(),
    );
    this.port.onmessage = (event: MessageEvent<Int16Array>) => this.#buffer.push(event.data);
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0];
    const first = output?.[0];
    if (first === undefined) return true;
    this.#resampler.fill(first);
    for (let c = 1; c < output.length; c++) output[c].set(first);
    for (let i = 0; i < first.length; i++) this.#energy += first[i] * first[i];
    this.#samples += first.length;
    if (++this.#blocks >= REPORT_EVERY_BLOCKS) {
      this.port.postMessage({
        ...this.#buffer.stats,
        level: Math.sqrt(this.#energy / this.#samples),
      });
      this.#blocks = 0;
      this.#energy = 0;
      this.#samples = 0;
    }
    return true;
  }
}

registerProcessor('sapora-playout', Playout);
