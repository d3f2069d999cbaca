import { waitFor } from '@sapora/testing';
import { FfmpegVideoSource } from './ffmpeg-video';
import { JpegStreamSplitter } from './jpeg-stream-splitter';

const jpeg = (body: string): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from(body), Buffer.from([0xff, 0xd9])]);

describe('JpegStreamSplitter', () => {
  it('finds whole images however the stream is cut', () => {
    const stream = Buffer.concat([jpeg('one'), jpeg('second image'), jpeg('3')]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const splitter = new JpegStreamSplitter();
      const images = [
        ...splitter.push(stream.subarray(0, cut)),
        ...splitter.push(stream.subarray(cut)),
      ];
      expect(images.map((image) => image.subarray(2, -2).toString())).toEqual([
        'one',
        'second image',
        '3',
      ]);
    }
  });

  it('drops an image that never ends once it passes the size limit', () => {
    const splitter = new JpegStreamSplitter(100);
    splitter.push(Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(200, 1)]));
    expect(splitter.push(jpeg('next'))).toHaveLength(1);
  });
});

describe('FfmpegVideoSource', () => {
  it('gives real JPEG frames of ffmpeg’s test picture', async () => {
    const source = FfmpegVideoSource.testPicture({ width: 320, height: 240, fps: 15 });
    const frames: Buffer[] = [];
    await waitFor(
      () => {
        for (let frame = source.next(); frame !== null; frame = source.next()) {
          frames.push(frame);
          if (frames.length === 5) return true;
        }
        return source.error !== '' && source.error;
      },
      { timeoutMs: 20_000, what: '5 frames from ffmpeg' },
    );
    source.close();
    expect(source.error).toBe('');
    expect(frames).toHaveLength(5);
    for (const frame of frames) {
      expect(frame.readUInt16BE(0)).toBe(0xffd8);
      expect(frame.readUInt16BE(frame.length - 2)).toBe(0xffd9);
      expect(frame.length).toBeGreaterThan(2_000);
    }
  }, 30_000);
});
