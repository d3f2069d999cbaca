import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode, waitFor, ServiceStack } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');

describe('sapora join with screen sharing: a presenter bot and a recorder', () => {
  const stack = new ServiceStack();
  let dir: string;

  beforeAll(async () => {
    await stack.start(['control', 'screen']);
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-screen-'));
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves what is shared as JPEG files and says who shares and when it ends', async () => {
    const common = [
      'join',
      '--server',
      stack.server,
      '--meeting',
      'show',
      '--screen-port',
      String(stack.ports.get('screen')),
    ];
    const recorder = runNode(CLI, [...common, '--name', 'Rec', '--screen-out', dir]);
    await waitFor(() => recorder.output().includes('nobody is sharing a screen'), {
      what: 'the recorder to join and view',
    });
    const bot = runNode(CLI, [...common, '--name', 'Bot', '--screen-in', 'testsrc']);
    await waitFor(() => bot.output().includes('you are sharing your screen'), {
      what: 'the bot to present',
    });
    await waitFor(() => readdirSync(dir).filter((f) => /^\d{6}\.jpg$/.test(f)).length >= 10, {
      timeoutMs: 10_000,
      what: 'ten shared frames on disk',
    });
    expect(recorder.output()).toContain('Bot is sharing their screen');
    const latest = readFileSync(join(dir, 'latest.jpg'));
    expect(latest.readUInt16BE(0)).toBe(0xffd8);
    expect(latest.readUInt16BE(latest.length - 2)).toBe(0xffd9);
    // 1280x720, the size the test picture was asked for: the SOF0 marker says so.
    const sof = latest.indexOf(Buffer.from([0xff, 0xc0]));
    expect([latest.readUInt16BE(sof + 7), latest.readUInt16BE(sof + 5)]).toEqual([1280, 720]);

    bot.child.kill('SIGINT');
    expect(await bot.exited).toBe(0);
    await waitFor(
      () => /screen share ended \((stopped|disconnected|left)\)/.test(recorder.output()),
      {
        what: 'the recorder told the share ended',
      },
    );
    recorder.child.kill('SIGINT');
    expect(await recorder.exited).toBe(0);
  }, 30_000);

  it('shares a real X screen through ffmpeg x11grab (--share-screen), at the screen’s own size', async () => {
    // A virtual X server of a size no test picture has, on a display number of its own.
    const display = `:${90 + (process.pid % 400)}`;
    const xvfb = spawn('Xvfb', [display, '-screen', '0', '800x600x24', '-nolisten', 'tcp'], {
      stdio: 'ignore',
    });
    const out = join(dir, 'x11');
    try {
      await waitFor(() => existsSync(`/tmp/.X11-unix/X${display.slice(1)}`), {
        what: 'Xvfb to start',
      });
      const common = [
        'join',
        '--server',
        stack.server,
        '--meeting',
        'x11',
        '--screen-port',
        String(stack.ports.get('screen')),
      ];
      const recorder = runNode(CLI, [...common, '--name', 'Rec', '--screen-out', out]);
      await waitFor(() => recorder.output().includes('nobody is sharing a screen'), {
        what: 'the recorder to view',
      });
      const presenter = runNode(CLI, [
        ...common,
        '--name',
        'Desk',
        '--share-screen',
        '--screen-display',
        display,
      ]);
      await waitFor(() => existsSync(join(out, 'latest.jpg')), {
        timeoutMs: 15_000,
        what: 'a captured frame',
      });
      const latest = readFileSync(join(out, 'latest.jpg'));
      const sof = latest.indexOf(Buffer.from([0xff, 0xc0]));
      expect([latest.readUInt16BE(sof + 7), latest.readUInt16BE(sof + 5)]).toEqual([800, 600]);
      presenter.child.kill('SIGINT');
      recorder.child.kill('SIGINT');
      expect(await presenter.exited).toBe(0);
      expect(await recorder.exited).toBe(0);
    } finally {
      xvfb.kill('SIGTERM');
    }
  }, 30_000);
});
