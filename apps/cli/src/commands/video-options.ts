import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FfmpegVideoSource,
  Session,
  testPatternSource,
  VideoClient,
  VideoSource,
} from '@sapora/client';
import { UsageError } from './common-options';

export const VIDEO_OPTIONS = {
  video: { type: 'boolean' },
  'video-in': { type: 'string' },
  'video-out': { type: 'string' },
  'video-port': { type: 'string' },
  'video-device': { type: 'string' },
} as const;

export const VIDEO_HELP = `Video (needs the video service, UDP 6000, and ffmpeg for cameras and test pictures):
      --video               send your camera (ffmpeg v4l2, 640x480, 15 fps, JPEG quality 55)
      --video-in SOURCE     what to send: testsrc (ffmpeg's test picture) or pattern (no ffmpeg)
      --video-out DIR       save every frame you receive as DIR/NAME/NNNNNN.jpg
      --video-port PORT     the video service's port (default 6000, on the --server host)
      --video-device PATH   camera device (default /dev/video0)`;

export interface VideoValues {
  video?: boolean;
  'video-in'?: string;
  'video-out'?: string;
  'video-port'?: string;
  'video-device'?: string;
}

export function wantsVideo(values: VideoValues): boolean {
  return (
    values.video === true || values['video-in'] !== undefined || values['video-out'] !== undefined
  );
}

function parseSource(values: VideoValues): VideoSource | null {
  if (values.video) return FfmpegVideoSource.camera(values['video-device'] ?? '/dev/video0');
  switch (values['video-in']) {
    case undefined:
      return null;
    case 'testsrc':
      return FfmpegVideoSource.testPicture();
    case 'pattern':
      return testPatternSource();
    default:
      throw new UsageError('--video-in must be testsrc or pattern');
  }
}

/** A file name from a username: nothing from the wire picks a path outside DIR. */
function safeName(username: string, participantId: string): string {
  const cleaned = username.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned === '' ? participantId : cleaned;
}

/** Starts video for a joined session as the flags ask; returns a function that stops it. */
export async function startVideo(session: Session, values: VideoValues): Promise<() => void> {
  const port = values['video-port'] === undefined ? undefined : Number(values['video-port']);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new UsageError('--video-port must be a port number');
  const source = parseSource(values);
  const video = new VideoClient({ session, port });
  await video.start();
  if (source !== null) video.startStreaming(source);
  const dir = values['video-out'];
  if (dir !== undefined) {
    video.on('frame', (frame) => {
      const folder = join(dir, safeName(frame.username, frame.participantId));
      mkdirSync(folder, { recursive: true });
      const path = join(folder, `${String(frame.frameId).padStart(6, '0')}.jpg`);
      // Write then rename, so a reader never sees half a frame.
      writeFileSync(`${path}.part`, frame.jpeg);
      renameSync(`${path}.part`, path);
    });
  }
  return () => video.close();
}
