import { toneAmplitude } from '@sapora/media';
import { waitFor } from '@sapora/testing';
import { FfmpegAudioSource } from './ffmpeg-audio';

describe('FfmpegAudioSource', () => {
  it('cuts what ffmpeg produces into frames (a 440 Hz test signal)', async () => {
    const source = new FfmpegAudioSource(
      ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3'],
      44_100,
      512,
    );
    const frames: Int16Array[] = [];
    await waitFor(
      () => {
        for (let frame = source.next(); frame !== null; frame = source.next()) {
          frames.push(Int16Array.from(frame));
          if (frames.length === 40) return true;
        }
        return source.error !== '' && source.error;
      },
      { timeoutMs: 20_000, what: '40 frames from ffmpeg' },
    );
    source.close();
    expect(source.error).toBe('');
    expect(frames.length).toBe(40);
    const all = new Int16Array(40 * 512);
    frames.forEach((frame, i) => all.set(frame, i * 512));
    expect(toneAmplitude(all, 440, 44_100)).toBeGreaterThan(0.05);
    expect(toneAmplitude(all, 660, 44_100)).toBeLessThan(0.01);
  }, 30_000);

  it('says why when ffmpeg cannot open the input', async () => {
    const source = FfmpegAudioSource.file('/nonexistent/talk.wav', 44_100, 512);
    await waitFor(() => source.error !== '', { timeoutMs: 20_000, what: 'ffmpeg to fail' });
    expect(source.error).toMatch(/No such file/);
    expect(source.next()).toBeNull();
  }, 30_000);
});
