import { toneAmplitude } from '@sapora/media';
import { MicFramer, PullResampler } from './resampler';

const tone = (hz: number, rate: number, samples: number, from = 0): Float32Array =>
  Float32Array.from(
    { length: samples },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * (from + i)) / rate),
  );

/** The framer fed in 128-sample blocks, as an AudioWorklet is. */
function frame(input: Float32Array, fromRate: number): { frames: Int16Array[]; levels: number[] } {
  const frames: Int16Array[] = [];
  const levels: number[] = [];
  const framer = new MicFramer(fromRate, 44_100, 512, (f, level) => {
    frames.push(f);
    levels.push(level);
  });
  for (let at = 0; at < input.length; at += 128) framer.push(input.subarray(at, at + 128));
  return { frames, levels };
}

const joined = (frames: Int16Array[]): Int16Array => {
  const out = new Int16Array(frames.length * 512);
  frames.forEach((f, i) => out.set(f, i * 512));
  return out;
};

describe('MicFramer', () => {
  it('turns a second at 48 kHz into a second of 44.1 kHz frames of 512, keeping the pitch', () => {
    const { frames, levels } = frame(tone(440, 48_000, 48_000), 48_000);
    // 44100 samples make 86 whole frames.
    expect(frames.length).toBe(86);
    expect(frames.every((f) => f.length === 512)).toBe(true);
    const samples = joined(frames);
    expect(toneAmplitude(samples, 440, 44_100)).toBeCloseTo(0.5, 1);
    expect(toneAmplitude(samples, 478, 44_100)).toBeLessThan(0.02);
    expect(levels[10]).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('passes 44.1 kHz through sample for sample', () => {
    const input = tone(1000, 44_100, 4096);
    const { frames } = frame(input, 44_100);
    const samples = joined(frames);
    for (let i = 0; i < samples.length; i++)
      expect(Math.abs(samples[i] - Math.round(input[i] * 32767))).toBeLessThanOrEqual(1);
  });

  it('clips what is past full scale instead of wrapping', () => {
    const { frames } = frame(new Float32Array(1024).fill(1.5), 44_100);
    expect(frames[0][100]).toBe(32767);
  });
});

describe('PullResampler', () => {
  it('plays 44.1 kHz on a 48 kHz device at the same pitch', () => {
    const source = tone(660, 44_100, 60_000);
    let at = 0;
    const resampler = new PullResampler(44_100 / 48_000, () => source[at++] ?? 0);
    const out = new Float32Array(48_000);
    for (let i = 0; i < out.length; i += 128) resampler.fill(out.subarray(i, i + 128));
    const asInt = Int16Array.from(out, (x) => Math.round(x * 32767));
    expect(toneAmplitude(asInt, 660, 48_000)).toBeCloseTo(0.5, 1);
    // It read about 44100 source samples for 48000 output ones.
    expect(Math.abs(at - 44_100)).toBeLessThan(4);
  });
});
