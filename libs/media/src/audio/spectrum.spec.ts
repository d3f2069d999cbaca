import { rms, toneAmplitude } from './spectrum';
import { ToneSource } from './tone';

describe('tones and spectrum', () => {
  it('measures a tone at its level and nothing where there is none', () => {
    const tone = new ToneSource(440, 44_100, 4096, 0.5);
    const samples = tone.next();
    expect(toneAmplitude(samples, 440, 44_100)).toBeCloseTo(0.5, 1);
    expect(toneAmplitude(samples, 660, 44_100)).toBeLessThan(0.005);
    expect(rms(samples)).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('keeps the phase across frames: joined frames are one clean tone', () => {
    const tone = new ToneSource(1000, 44_100, 100, 0.3);
    const joined = new Int16Array(4000);
    for (let i = 0; i < 40; i++) joined.set(tone.next(), i * 100);
    expect(toneAmplitude(joined, 1000, 44_100)).toBeCloseTo(0.3, 1);
    expect(toneAmplitude(joined, 1500, 44_100)).toBeLessThan(0.005);
  });
});
