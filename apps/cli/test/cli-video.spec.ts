import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode, waitFor, ServiceStack } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');

describe('sapora join with video: a test-picture bot and a recorder', () => {
  const stack = new ServiceStack();
  let dir: string;

  beforeAll(async () => {
    await stack.start(['control', 'video']);
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-video-'));
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves the frames it receives as JPEG files under the sender’s (made safe) name', async () => {
    const common = [
      'join',
      '--server',
      stack.server,
      '--meeting',
      'tv',
      '--video-port',
      String(stack.ports.get('video')),
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
  }, 60_000);
});
