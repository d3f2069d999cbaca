import { ChildProcess, spawn } from 'node:child_process';
import {
  SCREEN_FPS,
  SCREEN_JPEG_QUALITY,
  VIDEO_FPS,
  VIDEO_HEIGHT,
  VIDEO_JPEG_QUALITY,
  VIDEO_WIDTH,
} from '@sapora/protocol';
import { JpegStreamSplitter } from './jpeg-stream-splitter';
import { VideoSource } from './video-client';

/** How an FfmpegVideoSource captures and encodes. */
export interface CameraOptions {
  /** Frame width (640 by default). */
  width?: number;
  /** Frame height (480 by default). */
  height?: number;
  /** Frames per second (15 by default). */
  fps?: number;
  /** JPEG quality 1-100, the seed's scale (55 by default). */
  quality?: number;
  /** Keep the input's own size instead of scaling to width x height (a screen). */
  nativeSize?: boolean;
}

/** ffmpeg's mjpeg -q:v runs 2 (best) to 31 (worst); map the seed's 1-100 quality onto it. */
function qscale(quality: number): number {
  return Math.round(31 - (Math.min(Math.max(quality, 1), 100) / 100) * 29);
}

/**
 * JPEG frames from anything ffmpeg can read: a camera (`-f v4l2 -i /dev/video0`) or its test
 * picture (`-f lavfi -i testsrc`). Only the newest frame is kept: a sender that falls behind
 * skips frames rather than sending stale ones.
 */
export class FfmpegVideoSource implements VideoSource {
  readonly #process: ChildProcess;
  readonly #splitter = new JpegStreamSplitter();
  #latest: Buffer | null = null;
  #error = '';

  constructor(inputArgs: string[], options: CameraOptions = {}) {
    const width = options.width ?? VIDEO_WIDTH;
    const height = options.height ?? VIDEO_HEIGHT;
    const fps = options.fps ?? VIDEO_FPS;
    this.#process = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        ...inputArgs,
        '-vf',
        options.nativeSize === true ? `fps=${fps}` : `fps=${fps},scale=${width}:${height}`,
        '-c:v',
        'mjpeg',
        '-q:v',
        String(qscale(options.quality ?? VIDEO_JPEG_QUALITY)),
        '-f',
        'image2pipe',
        'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#process.stdout?.on('data', (chunk: Buffer) => {
      const images = this.#splitter.push(chunk);
      if (images.length > 0) this.#latest = images[images.length - 1];
    });
    this.#process.stderr?.on('data', (chunk: Buffer) => (this.#error += chunk.toString()));
    this.#process.on('error', (error) => (this.#error += error.message));
  }

  /** A V4L2 camera (Linux), e.g. /dev/video0. */
  static camera(device = '/dev/video0', options: CameraOptions = {}): FfmpegVideoSource {
    return new FfmpegVideoSource(['-f', 'v4l2', '-i', device], options);
  }

  /**
   * The X11 screen (Linux), captured by ffmpeg's x11grab at its own size: 10 fps and quality
   * 60 by default, the seed's screen-share settings.
   */
  static screen(
    display = process.env.DISPLAY ?? ':0',
    options: CameraOptions = {},
  ): FfmpegVideoSource {
    const fps = options.fps ?? SCREEN_FPS;
    return new FfmpegVideoSource(['-f', 'x11grab', '-framerate', String(fps), '-i', display], {
      nativeSize: options.width === undefined,
      quality: SCREEN_JPEG_QUALITY,
      ...options,
      fps,
    });
  }

  /** ffmpeg's moving test picture, at real-time pace. */
  static testPicture(options: CameraOptions = {}): FfmpegVideoSource {
    return new FfmpegVideoSource(
      [
        '-re',
        '-f',
        'lavfi',
        '-i',
        `testsrc=size=${options.width ?? VIDEO_WIDTH}x${options.height ?? VIDEO_HEIGHT}:rate=${options.fps ?? VIDEO_FPS}`,
      ],
      options,
    );
  }

  /** What ffmpeg said when it failed ("" while all is well). */
  get error(): string {
    return this.#error.trim();
  }

  /** The newest frame not yet taken, or null. */
  next(): Buffer | null {
    const frame = this.#latest;
    this.#latest = null;
    return frame;
  }

  /** Stops ffmpeg. */
  close(): void {
    this.#process.kill('SIGTERM');
  }
}
