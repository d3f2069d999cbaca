import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FfmpegVideoSource,
  ScreenShareClient,
  ScreenState,
  Session,
  testPatternSource,
  VideoSource,
} from '@sapora/client';
import { UsageError } from './common-options';

export const SCREEN_OPTIONS = {
  'share-screen': { type: 'boolean' },
  'screen-in': { type: 'string' },
  'screen-out': { type: 'string' },
  'screen-port': { type: 'string' },
  'screen-display': { type: 'string' },
} as const;

export const SCREEN_HELP = `Screen sharing (needs the screen service, TCP 5003; ffmpeg to capture):
      --share-screen        share your screen (ffmpeg x11grab of $DISPLAY, 10 fps, quality 60)
      --screen-in SOURCE    share something else: testsrc (ffmpeg's test picture) or pattern
      --screen-out DIR      save each shared frame you see as DIR/NNNNNN.jpg (newest: latest.jpg)
      --screen-port PORT    the screen service's port (default 5003, on the --server host)
      --screen-display D    the X display to capture (default $DISPLAY, else :0)`;

export interface ScreenValues {
  'share-screen'?: boolean;
  'screen-in'?: string;
  'screen-out'?: string;
  'screen-port'?: string;
  'screen-display'?: string;
}

export function wantsScreen(values: ScreenValues): boolean {
  return (
    values['share-screen'] === true ||
    values['screen-in'] !== undefined ||
    values['screen-out'] !== undefined
  );
}

function parseSource(values: ScreenValues): VideoSource | null {
  if (values['share-screen']) return FfmpegVideoSource.screen(values['screen-display']);
  switch (values['screen-in']) {
    case undefined:
      return null;
    case 'testsrc':
      return FfmpegVideoSource.testPicture({ width: 1280, height: 720, fps: 10, quality: 60 });
    case 'pattern':
      return testPatternSource();
    default:
      throw new UsageError('--screen-in must be testsrc or pattern');
  }
}

function describe(state: ScreenState): string {
  if (state.presenting) return `${state.presenter} is sharing their screen`;
  return state.reason === ''
    ? 'nobody is sharing a screen'
    : `screen share ended (${state.reason})`;
}

/** Writes then renames, so a reader never sees half a frame. */
function save(path: string, jpeg: Buffer): void {
  writeFileSync(`${path}.part`, jpeg);
  renameSync(`${path}.part`, path);
}

/** Starts presenting and/or viewing as the flags ask; returns a function that stops it. */
export async function startScreen(
  session: Session,
  values: ScreenValues,
  print: (line: string) => void,
): Promise<() => Promise<void>> {
  const port = values['screen-port'] === undefined ? undefined : Number(values['screen-port']);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new UsageError('--screen-port must be a port number');
  const source = parseSource(values);
  const clients: ScreenShareClient[] = [];
  const dir = values['screen-out'];
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    const viewer = new ScreenShareClient({ session, port });
    viewer.on('state', (state) => print(`* ${describe(state)}`));
    viewer.on('frame', (frame) => {
      save(join(dir, `${String(frame.sequence).padStart(6, '0')}.jpg`), frame.jpeg);
      save(join(dir, 'latest.jpg'), frame.jpeg);
    });
    await viewer.view();
    clients.push(viewer);
  }
  if (source !== null) {
    const presenter = new ScreenShareClient({ session, port });
    try {
      await presenter.present({ source });
      print('* you are sharing your screen');
      clients.push(presenter);
      // ffmpeg that cannot open the display produces nothing: say why rather than share nothing.
      if (source instanceof FfmpegVideoSource) {
        setTimeout(() => {
          if (presenter.stats.sent === 0 && source.error !== '')
            print(`! screen capture failed: ${source.error}`);
        }, 3_000).unref();
      }
    } catch (error) {
      source.close?.();
      print(`! cannot share your screen: ${(error as Error).message}`);
    }
  }
  return async () => {
    await Promise.all(clients.map((client) => client.stop()));
  };
}
