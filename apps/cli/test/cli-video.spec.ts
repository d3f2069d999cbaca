import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, NodeProcess, runNode, startRedis, TestRedis, waitFor } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');
const APPS = join(__dirname, '..', '..');

describe('sapora join with video: a test-picture bot and a recorder', () => {
  let redis: TestRedis;
  let control: NodeProcess;
  let video: NodeProcess;
  let server: string;
  let videoPort: number;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    const controlPort = await freePort();
    videoPort = await freePort();
    server = `127.0.0.1:${controlPort}`;
    const env = { REDIS_URL: redis.url, NODE_ENV: 'production' };
    control = runNode(join(APPS, 'control', 'dist', 'main.js'), [], {
      ...env,
      CONTROL_HOST: '127.0.0.1',
      CONTROL_PORT: String(controlPort),
    });
    video = runNode(join(APPS, 'video', 'dist', 'main.js'), [], {
      ...env,
      VIDEO_HOST: '127.0.0.1',
      VIDEO_PORT: String(videoPort),
    });
    await waitFor(
      () => /control listening/.test(control.output()) && /video listening/.test(video.output()),
      {
        timeoutMs: 10_000,
        what: 'control and video to listen',
      },
    );
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-video-'));
  });

  afterAll(async () => {
    for (const service of [control, video]) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves the frames it receives as JPEG files under the sender’s name', async () => {
    const common = [
      'join',
      '--server',
      server,
      '--meeting',
      'tv',
      '--video-port',
      String(videoPort),
    ];
    const recorder = runNode(CLI, [...common, '--name', 'Rec', '--video-out', dir]);
    await waitFor(() => recorder.output().includes('Joined'), { what: 'the recorder to join' });
    const bot = runNode(CLI, [...common, '--name', '../Bot', '--video-in', 'testsrc']);
    const folder = join(dir, '__Bot');
    await waitFor(
      () =>
        existsSync(folder) && readdirSync(folder).filter((f) => f.endsWith('.jpg')).length >= 10,
      {
        timeoutMs: 10_000,
        what: 'ten frames on disk',
      },
    );
    bot.child.kill('SIGINT');
    recorder.child.kill('SIGINT');
    expect(await bot.exited).toBe(0);
    expect(await recorder.exited).toBe(0);
    expect(readdirSync(dir)).toEqual(['__Bot']);
    const files = readdirSync(folder)
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    const frame = readFileSync(join(folder, files[0]));
    expect(frame.readUInt16BE(0)).toBe(0xffd8);
    expect(frame.readUInt16BE(frame.length - 2)).toBe(0xffd9);
  }, 20_000);
});
