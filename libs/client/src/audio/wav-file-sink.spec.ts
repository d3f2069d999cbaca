import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toneAmplitude, ToneSource } from '@sapora/media';
import { readWav, WavFileSink } from './wav-file-sink';

describe('WavFileSink', () => {
  it('writes a valid 16-bit mono WAV whose samples read back exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sapora-wav-'));
    try {
      const path = join(dir, 'tone.wav');
      const sink = new WavFileSink(path, 44_100);
      const tone = new ToneSource(440, 44_100, 512);
      const written: number[] = [];
      for (let i = 0; i < 20; i++) {
        const frame = tone.next();
        written.push(...frame);
        sink.write(frame);
      }
      sink.close();
      sink.close();
      const bytes = readFileSync(path);
      expect(bytes.length).toBe(44 + 20 * 512 * 2);
      expect(bytes.readUInt32LE(4)).toBe(36 + 20 * 512 * 2);
      const { sampleRate, samples } = readWav(bytes);
      expect(sampleRate).toBe(44_100);
      expect([...samples]).toEqual(written);
      expect(toneAmplitude(samples, 440, 44_100)).toBeGreaterThan(0.25);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
