import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { GatewayTab, ServiceStack, waitFor } from '@sapora/testing';
import { openPage } from './support/browser-page';

const REPO = join(__dirname, '..', '..', '..');
const SCREENSHOT = join(REPO, 'docs', 'images', 'host-controls.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LONG = 60_000;

/** The host's page in real Chromium, another participant as a plain gateway tab. */
describe('running a meeting in the browser', () => {
  const stack = new ServiceStack();
  let dir: string;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-web-host-'));
    await stack.start(['control', 'files', 'screen', 'gateway'], {
      FILES_DIR: join(dir, 'files'),
      GATEWAY_TLS_DIR: join(dir, 'tls'),
      GATEWAY_SPOOL_DIR: join(dir, 'spool'),
      IDLE_TIMEOUT_MS: '60000',
    });
    url = `https://127.0.0.1:${stack.ports.get('gateway')}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the page shows after a name on a tile (the marks are an ::after of .tile-name). */
  const marks = (page: Page, name: string): Promise<string> =>
    page.$eval(
      `.tile[data-participant="${name}"] .tile-name`,
      (el) => getComputedStyle(el, '::after').content,
    );

  it('shows the host badge, a raised hand in order, and lets the host lock and mute', async () => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 720 },
    });
    const page = await context.newPage();
    await openPage(page, url, 2 * LONG);
    await page.waitForSelector('#login-join:not([disabled])', { timeout: 2 * LONG });
    await page.fill('#login-name', 'Ann');
    await page.fill('#login-meeting', 'board');
    await page.click('#login-join');
    await page.waitForSelector('.host-badge', { timeout: LONG });
    expect(await page.textContent('.host-badge')).toBe('You are the host');

    const ben = await GatewayTab.open(url);
    const benJoined = await ben.join('Ben', 'board');
    await page.waitForSelector('.tile[data-participant="Ben"]', { timeout: LONG });
    await waitFor(async () => (await marks(page, 'Ann')).includes('host'), {
      timeoutMs: LONG,
      what: "the host mark on Ann's tile",
    });
    await ben.request({ type: 'hand', raised: true }, 'host-action-done');
    await waitFor(async () => (await marks(page, 'Ben')).includes('hand 1'), {
      timeoutMs: LONG,
      what: "Ben's raised hand on his tile",
    });
    await page.click('.host-strip >> text=Raise hand');
    await waitFor(async () => (await marks(page, 'Ann')).includes('hand 2'), {
      timeoutMs: LONG,
      what: "Ann's hand second",
    });

    await page.click('.host-strip >> text=Lock');
    await ben.next((e) => e.type === 'room' && e.locked, LONG);
    await page.selectOption('.host-strip select', benJoined.participantId);
    await page.click('.host-strip >> text=Mute');
    await ben.next((e) => e.type === 'room' && e.mutedBy[benJoined.participantId] === 'Ann', LONG);
    await waitFor(async () => (await marks(page, 'Ben')).includes('muted by Ann'), {
      timeoutMs: LONG,
      what: 'the mute mark',
    });
    // Ben is no host: the page's host controls are Ann's alone, and the service agrees.
    await expect(
      ben.request({ type: 'host-action', action: 'unlock' }, 'host-action-done'),
    ).rejects.toMatchObject({ code: 'NotAllowed' });
    await page.screenshot({ path: SCREENSHOT });
    ben.close();
    await context.close();
  }, 240_000);
});
