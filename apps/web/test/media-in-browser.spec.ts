import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { toneAmplitude } from '@sapora/media';
import { NodeProcess, runNode, ServiceStack, waitFor } from '@sapora/testing';
import { openPage, watchForErrors } from './support/browser-page';

const REPO = join(__dirname, '..', '..', '..');
const CLI = join(REPO, 'apps', 'cli', 'dist', 'main.js');
const SCREENSHOT = join(REPO, 'docs', 'images', 'meeting.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MEETING = 'media';
const RATE = 44_100;
/** A tone the room hears (the browser's is 0.4 of full scale; gaps under load lower it). */
const AUDIBLE = 0.06;
const SILENT = 0.02;
/** Generous: the machine is shared (Chromium, the services and other suites), and browsers are slow to start. */
const LONG = 60_000;

/** A 16-bit mono WAV of a sine: the fake microphone plays it in a loop. */
function toneWav(path: string, hz: number, seconds: number): void {
  const samples = RATE * seconds;
  const wav = Buffer.alloc(44 + 2 * samples);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + 2 * samples, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(RATE, 24);
  wav.writeUInt32LE(RATE * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(2 * samples, 40);
  for (let i = 0; i < samples; i++)
    wav.writeInt16LE(Math.round(0.4 * 32767 * Math.sin((2 * Math.PI * hz * i) / RATE)), 44 + 2 * i);
  writeFileSync(path, wav);
}

/** The samples of a WAV still being written (its header does not count them yet). */
function recorded(path: string): Int16Array {
  if (!existsSync(path)) return new Int16Array(0);
  const bytes = readFileSync(path);
  const samples = new Int16Array(Math.max(0, (bytes.length - 44) >> 1));
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(44 + 2 * i);
  return samples;
}

/** The level of a tone in the last second of a recording. */
function lastSecond(path: string, hz: number): number {
  const samples = recorded(path);
  return samples.length < RATE
    ? 0
    : toneAmplitude(samples.subarray(samples.length - RATE), hz, RATE);
}

/** A JPEG's size from its start-of-frame marker, or null when it is not a whole JPEG. */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.readUInt16BE(0) !== 0xffd8 || bytes.readUInt16BE(bytes.length - 2) !== 0xffd9)
    return null;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    const length = bytes.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xc3)
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    at += 2 + length;
  }
  return null;
}

const jpegsIn = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jpg'))
        .sort()
    : [];

/**
 * Browser media in real Chromium with fake devices (a 440 Hz microphone, the fake camera, a
 * test-pattern screen), through the built gateway and services, with `sapora` CLI
 * participants in the same room: the five scenarios in order.
 */
describe('media in the browser: microphone, speakers, camera, tiles and screen sharing', () => {
  const stack = new ServiceStack();
  const processes: NodeProcess[] = [];
  const consoleErrors: string[] = [];
  let dir: string;
  let url: string;
  let browser: Browser;
  let ann: Page;
  let bob: Page;
  let bobContext: BrowserContext;
  let heard: string;
  let videoOut: string;
  let screenOut: string;
  let rec: NodeProcess;
  let bot: NodeProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-web-media-'));
    const wav = join(dir, 'tone-440.wav');
    toneWav(wav, 440, 5);
    heard = join(dir, 'heard.wav');
    videoOut = join(dir, 'video');
    screenOut = join(dir, 'screen');
    mkdirSync(videoOut);
    mkdirSync(screenOut);
    await stack.start(['control', 'audio', 'video', 'screen', 'gateway'], {
      GATEWAY_TLS_DIR: join(dir, 'tls'),
      GATEWAY_SPOOL_DIR: join(dir, 'spool'),
      IDLE_TIMEOUT_MS: '60000',
    });
    url = `https://127.0.0.1:${stack.ports.get('gateway')}/?audio-processing=off`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    for (const process of processes)
      if (process.child.exitCode === null) process.child.kill('SIGTERM');
    await browser?.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[]): NodeProcess {
    const process = runNode(CLI, [
      'join',
      '--server',
      stack.server,
      '--meeting',
      MEETING,
      '--audio-port',
      String(stack.ports.get('audio')),
      '--video-port',
      String(stack.ports.get('video')),
      '--screen-port',
      String(stack.ports.get('screen')),
      ...args,
    ]);
    processes.push(process);
    return process;
  }

  async function openTab(name: string): Promise<{ page: Page; context: BrowserContext }> {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 720 },
    });
    const page = await context.newPage();
    watchForErrors(page, consoleErrors, () => name);
    await openPage(page, url, 2 * LONG);
    await page.waitForSelector('#login-join:not([disabled])', { timeout: 2 * LONG });
    await page.fill('#login-name', name);
    await page.fill('#login-meeting', MEETING);
    await page.click('#login-join');
    await page.waitForSelector('.grid', { timeout: LONG });
    return { page, context };
  }

  /** What the page shows and what the gateway logged: for a failure's message. */
  async function explain(page: Page, error: unknown): Promise<never> {
    const shown = await page.evaluate(() => document.body.innerText).catch(() => '?');
    throw new Error(
      `${String(error)}\npage: ${shown.slice(0, 1500)}\nconsole: ${consoleErrors.join('\n')}\n` +
        `gateway: ${stack.output('gateway').slice(-3000)}`,
    );
  }

  /** Presses a media button and waits until it shows the new state. */
  async function press(page: Page, which: 'mic' | 'camera' | 'share', on: boolean): Promise<void> {
    const button = page.locator(`.control[data-media="${which}"]`);
    await button.click();
    await page
      .locator(`.control[data-media="${which}"][aria-pressed="${on}"]:not([disabled])`)
      .waitFor({ timeout: LONG })
      .catch((error: unknown) => explain(page, error));
  }

  /** What the page plays, through an AnalyserNode after the playback worklet. */
  async function playback(page: Page): Promise<{ hz440: number; hz660: number }> {
    const { sampleRate, samples } = await page.evaluate(() =>
      (
        window as unknown as {
          saporaMedia: { playbackSamples(): { sampleRate: number; samples: number[] } };
        }
      ).saporaMedia.playbackSamples(),
    );
    const pcm = Int16Array.from(samples, (x) => Math.round(x * 32767));
    return {
      hz440: toneAmplitude(pcm, 440, sampleRate),
      hz660: toneAmplitude(pcm, 660, sampleRate),
    };
  }

  /** A tile's canvas: frames drawn, its size, and how many colours a sample of it has. */
  const tileVideo = (page: Page, name: string) =>
    page.evaluate((name) => {
      const canvas = document.querySelector<HTMLCanvasElement>(
        `.tile[data-participant="${name}"] canvas`,
      );
      // No tile yet (the list is on its way), or no video in it yet.
      if (canvas === null || canvas.hidden) return { frames: 0, width: 0, height: 0, colours: 0 };
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < pixels.length; i += 4 * 499)
        seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
      return {
        frames: Number(canvas.dataset.frames ?? 0),
        width: canvas.width,
        height: canvas.height,
        colours: seen.size,
      };
    }, name);

  it('1. a browser’s microphone is heard by a CLI recorder, and a CLI bot is heard in the browser (not the browser’s own voice)', async () => {
    rec = cli([
      '--name',
      'Rec',
      '--audio-out',
      heard,
      '--video-out',
      videoOut,
      '--screen-out',
      screenOut,
    ]);
    bot = cli(['--name', 'Bot', '--audio-in', 'tone:660', '--video-in', 'testsrc']);
    await waitFor(() => rec.output().includes('Joined') && bot.output().includes('Joined'), {
      timeoutMs: LONG,
      what: 'the recorder and the bot to join',
    });
    ann = (await openTab('Ann')).page;
    await ann
      .locator('.tile[data-participant="Ann"] [aria-label="muted"]')
      .waitFor({ timeout: LONG })
      .catch((error: unknown) => explain(ann, error));
    await press(ann, 'mic', true);
    await waitFor(() => lastSecond(heard, 440) > AUDIBLE && lastSecond(heard, 660) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 200,
      what: 'the recorder to hear Ann’s 440 Hz and the bot’s 660 Hz',
    }).catch(async (error: Error) => {
      const stats = await ann.evaluate(() =>
        JSON.stringify(
          (window as unknown as { saporaMedia: { stats: unknown } }).saporaMedia.stats,
        ),
      );
      throw new Error(`${error.message}: recorded ${lastSecond(heard, 440)}; Ann ${stats}`);
    });
    let levels = { hz440: 0, hz660: 0 };
    await waitFor(
      async () => {
        levels = await playback(ann);
        return levels.hz660 > AUDIBLE && levels.hz440 < SILENT;
      },
      { timeoutMs: LONG, intervalMs: 250, what: 'Ann to hear the bot’s 660 Hz and not herself' },
    ).catch(async (error: Error) => {
      const stats = await ann.evaluate(() =>
        JSON.stringify(
          (window as unknown as { saporaMedia: { stats: unknown } }).saporaMedia.stats,
        ),
      );
      throw new Error(`${error.message}: heard ${JSON.stringify(levels)}, ${stats}`);
    });
    // Ann's own voice lights her tile; the bot's, named by the mixer, lights the bot's.
    await ann.locator('.tile.own.speaking').waitFor({ timeout: LONG });
    await ann.locator('.tile.speaking[data-participant="Bot"]').waitFor({ timeout: LONG });
  }, 180_000);

  it('2. two browsers and a CLI camera bot see each other’s frames, and the CLI saves the browsers’ frames', async () => {
    const opened = await openTab('Bob');
    bob = opened.page;
    bobContext = opened.context;
    await press(ann, 'camera', true);
    await press(bob, 'camera', true);
    await ann.locator('.tile.own video.own-preview').waitFor({ timeout: LONG });
    for (const [page, others] of [
      [ann, ['Bob', 'Bot']],
      [bob, ['Ann', 'Bot']],
    ] as const)
      for (const name of others)
        await waitFor(async () => (await tileVideo(page, name)).frames >= 3, {
          timeoutMs: LONG,
          intervalMs: 200,
          what: `${name}’s frames in a tile`,
        });
    for (const [page, name] of [
      [ann, 'Bob'],
      [bob, 'Ann'],
      [ann, 'Bot'],
    ] as const) {
      const video = await tileVideo(page, name);
      // The fake camera's 640x480 green picture and the bot's test pattern: real pictures.
      expect(video).toMatchObject({ width: 640, height: 480 });
      expect(video.colours).toBeGreaterThan(5);
    }
    // The recorder keeps each browser's frames as JPEG files, 640x480.
    for (const name of ['Ann', 'Bob']) {
      const folder = join(videoOut, name);
      await waitFor(() => jpegsIn(folder).length >= 5, {
        timeoutMs: LONG,
        what: `five of ${name}’s frames on disk`,
      });
      const frame = readFileSync(join(folder, jpegsIn(folder)[4]));
      expect(jpegSize(frame)).toEqual({ width: 640, height: 480 });
      expect(frame.length).toBeGreaterThan(2_000);
    }
    const stats = await ann.evaluate(
      () =>
        (window as unknown as { saporaMedia: { stats: { cameraBytes: number } } }).saporaMedia
          .stats,
    );
    expect(stats.cameraBytes).toBeGreaterThan(2_000);

    // The meeting with live video, as the README shows it.
    await ann.waitForFunction(
      () => document.querySelectorAll('.tile canvas:not([hidden])').length >= 2,
      undefined,
      { timeout: LONG },
    );
    mkdirSync(join(REPO, 'docs', 'images'), { recursive: true });
    await ann.screenshot({ path: SCREENSHOT });

    // A hidden tab asks for no video (video-prefs): Bob's tiles stop getting frames while the
    // recorder still gets Ann's; shown again, they come back.
    const drawn = (page: Page): Promise<number> =>
      page.evaluate(
        () =>
          (window as unknown as { saporaMedia: { stats: { videoFramesDrawn: number } } })
            .saporaMedia.stats.videoFramesDrawn,
      );
    const setHidden = (page: Page, hidden: boolean): Promise<void> =>
      page.evaluate((hidden) => {
        Object.defineProperty(document, 'visibilityState', {
          value: hidden ? 'hidden' : 'visible',
          configurable: true,
        });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(bob, true);
    const annFolder = join(videoOut, 'Ann');
    // Frames already on their way may still land; then none while hidden.
    let annOnDisk = jpegsIn(annFolder).length;
    await waitFor(() => jpegsIn(annFolder).length >= annOnDisk + 10, {
      timeoutMs: LONG,
      what: 'ten more of Ann’s frames at the recorder',
    });
    const hiddenDrawn = await drawn(bob);
    annOnDisk = jpegsIn(annFolder).length;
    await waitFor(() => jpegsIn(annFolder).length >= annOnDisk + 20, {
      timeoutMs: LONG,
      what: 'twenty more of Ann’s frames at the recorder',
    });
    expect(await drawn(bob)).toBe(hiddenDrawn);
    await setHidden(bob, false);
    await waitFor(async () => (await drawn(bob)) > hiddenDrawn + 5, {
      timeoutMs: LONG,
      intervalMs: 200,
      what: 'Bob’s tiles to get frames again',
    });
  }, 180_000);

  it('3. mute in one browser: the recorder loses that tone, and every tile shows muted', async () => {
    await press(ann, 'mic', false);
    for (const page of [ann, bob])
      await page
        .locator('.tile[data-participant="Ann"] [aria-label="muted"]')
        .waitFor({ timeout: LONG });
    // Ann's tone gone while the bot's is still there (not a gap in the recording).
    await waitFor(() => lastSecond(heard, 440) < SILENT && lastSecond(heard, 660) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 200,
      what: 'Ann’s tone to leave the recording',
    });
    await press(ann, 'mic', true);
    await bob
      .locator('.tile[data-participant="Ann"] [aria-label="muted"]')
      .waitFor({ state: 'detached', timeout: LONG });
    await waitFor(() => lastSecond(heard, 440) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 200,
      what: 'Ann heard again',
    });
  }, 120_000);

  it('4. a browser shares its screen: the CLI saves it, the other browser shows it, a second presenter is told, stop ends it', async () => {
    await press(ann, 'share', true);
    await ann.locator('.own-screen video.screen-preview').waitFor({ timeout: LONG });
    await bob
      .locator('.screen-stage figcaption', { hasText: 'Ann is presenting' })
      .waitFor({ timeout: LONG });
    await waitFor(
      async () => Number(await bob.getAttribute('.screen-canvas', 'data-frames')) >= 3,
      { timeoutMs: LONG, intervalMs: 200, what: 'three screen frames on Bob’s stage' },
    );
    const stage = await bob.$eval('.screen-canvas', (canvas) => {
      const c = canvas as HTMLCanvasElement;
      return { width: c.width, height: c.height };
    });
    expect(stage).toEqual({ width: 1280, height: 720 });
    await waitFor(() => jpegsIn(screenOut).length >= 3, {
      timeoutMs: LONG,
      what: 'the recorder to save screen frames',
    });
    expect(jpegSize(readFileSync(join(screenOut, jpegsIn(screenOut)[2])))).toEqual({
      width: 1280,
      height: 720,
    });

    // Bob may not present over Ann: he is told who does.
    await bob.locator('.control[data-media="share"]').click();
    await bob.locator('.toast', { hasText: /Ann is presenting/ }).waitFor({ timeout: LONG });
    await bob
      .locator('.control[data-media="share"][aria-pressed="false"]:not([disabled])')
      .waitFor({ timeout: LONG });

    // Stop with the stage's button: everyone's grid comes back.
    await ann.click('.stop-share');
    for (const page of [ann, bob]) await page.locator('.grid').waitFor({ timeout: LONG });

    // The browser's own "Stop sharing" (the track ends) stops it the same way.
    await press(ann, 'share', true);
    await bob.locator('.screen-stage').waitFor({ timeout: LONG });
    await ann.evaluate(() => {
      const media = (window as unknown as { saporaMedia: { state: { shareStream: MediaStream } } })
        .saporaMedia;
      media.state.shareStream.getVideoTracks()[0].dispatchEvent(new Event('ended'));
    });
    for (const page of [ann, bob]) await page.locator('.grid').waitFor({ timeout: LONG });
    expect(await ann.getAttribute('.control[data-media="share"]', 'aria-pressed')).toBe('false');
  }, 120_000);

  it('5. closing a tab or leaving stops that person’s audio and video at everyone else', async () => {
    const bobFolder = join(videoOut, 'Bob');
    const botFolder = join(videoOut, 'Bot');
    await bobContext.close();
    await ann
      .locator('.tile[data-participant="Bob"]')
      .waitFor({ state: 'detached', timeout: LONG });
    // Once Bob's last frames are on disk, no more come while the bot's keep coming.
    const bobFrames = jpegsIn(bobFolder).length;
    const botFrames = jpegsIn(botFolder).length;
    await waitFor(() => jpegsIn(botFolder).length >= botFrames + 30, {
      timeoutMs: LONG,
      what: 'thirty more of the bot’s frames',
    });
    expect(jpegsIn(bobFolder).length).toBeLessThanOrEqual(bobFrames + 2);

    expect(lastSecond(heard, 440)).toBeGreaterThan(0);
    await ann.click('.control.leave');
    await ann.locator('#login-join').waitFor({ timeout: LONG });
    await waitFor(() => lastSecond(heard, 440) < SILENT && lastSecond(heard, 660) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 200,
      what: 'Ann’s voice to stop after she left',
    });
    const annFrames = jpegsIn(join(videoOut, 'Ann')).length;
    const botNow = jpegsIn(botFolder).length;
    await waitFor(() => jpegsIn(botFolder).length >= botNow + 30, {
      timeoutMs: LONG,
      what: 'thirty more of the bot’s frames',
    });
    expect(jpegsIn(join(videoOut, 'Ann')).length).toBeLessThanOrEqual(annFrames + 2);

    rec.child.kill('SIGINT');
    bot.child.kill('SIGINT');
    expect(await rec.exited).toBe(0);
    expect(await bot.exited).toBe(0);
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
