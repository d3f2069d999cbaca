// The microphone's AudioWorklet: the device's blocks (128 samples at the context's rate) in,
// the mixer's frames out (16-bit, mono, the joined format), each posted to the page with its
// level. Resampling happens here when the device runs at another rate (48 kHz, usually).
import { MicFramer } from './resampler';

interface Options {
  processorOptions: { sampleRate: number; frameSamples: number };
}

class MicCapture extends AudioWorkletProcessor {
  readonly #framer: MicFramer;

  constructor(options?: unknown) {
    super();
    const { processorOptions } = options as Options;
    this.#framer = new MicFramer(
      sampleRate,
      processorOptions.sampleRate,
      processorOptions.frameSamples,
      (frame, level) => this.port.postMessage({ frame, level }, [frame.buffer]),
    );
  }

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel !== undefined) this.#framer.push(channel);
    return true;
  }
}

registerProcessor('sapora-mic', MicCapture);
