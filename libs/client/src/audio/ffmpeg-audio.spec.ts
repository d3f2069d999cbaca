import { toneAmplitude } from '@sapora/media';
import { FfmpegAudioSource } from './ffmpeg-audio';

describe('FfmpegAudioSource', () => {
  it('cuts what ffmpeg produces into frames (a 440 Hz test signal)', async () => {
    const source = new FfmpegAudioSource(
      ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3'],
      44_100,
      512,
    );
    const frames: Int16Array[] = [];
    const deadline = Date.now() + 10_000;
    while (frames.length < 40 && Date.now() < deadline) {
      const frame = source.next();
      if (frame === null) await new Promise((resolve) => setTimeout(resolve, 10));
      else frames.push(Int16Array.from(frame));
    }
    source.close();
    expect(source.error).toBe('');
    expect(frames.length).toBe(40);
    const all = new Int16Array(40 * 512);
    frames.forEach((frame, i) => all.set(frame, i * 512));
    expect(toneAmplitude(all, 440, 44_100)).toBeGreaterThan(0.05);
    expect(toneAmplitude(all, 660, 44_100)).toBeLessThan(0.01);
  }, 15_000);

  it('says why when ffmpeg cannot open the input', async () => {
    const source = FfmpegAudioSource.file('/nonexistent/talk.wav', 44_100, 512);
    const deadline = Date.now() + 10_000;
    while (source.error === '' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.error).toMatch(/No such file/);
    expect(source.next()).toBeNull();
  }, 15_000);
});
