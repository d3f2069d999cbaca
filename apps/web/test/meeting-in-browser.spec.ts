import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { GATEWAY_JSON_MAX_BYTES } from '@sapora/protocol';
import { GatewayTab, NodeProcess, runNode, ServiceStack, waitFor } from '@sapora/testing';
import { openPage, watchForErrors } from './support/browser-page';

const REPO = join(__dirname, '..', '..', '..');
const CLI = join(REPO, 'apps', 'cli', 'dist', 'main.js');
// docs/images/meeting.png comes from media-in-browser.spec.ts (with live video); this one is
// the chat-and-files meeting, kept beside the test's other files.
const SCREENSHOT = join(tmpdir(), `sapora-meeting-chat-${process.pid}.png`);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MEETING = 'standup';
/** Generous: the machine is shared, and a browser is slow to start. */
const LONG = 60_000;
/** A closed tab's participant is gone within one heartbeat interval, with room for a busy machine. */
const LEFT_WITHIN_MS = 20_000;

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/**
 * The web client in real Chromium against the real services and gateway (built, each its own
 * process), with `sapora` CLI participants in the same room: the six scenarios in order.
 */
describe('the meeting in a browser', () => {
  const stack = new ServiceStack();
  const processes: NodeProcess[] = [];
  const consoleErrors: string[] = [];
  let dir: string;
  let url: string;
  let browser: Browser;
  let ann: Page;
  let bob: Page;
  let carol: NodeProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-web-'));
    await stack.start(['control', 'files', 'screen', 'gateway'], {
      FILES_DIR: join(dir, 'files'),
      GATEWAY_TLS_DIR: join(dir, 'tls'),
      GATEWAY_SPOOL_DIR: join(dir, 'spool'),
      // Far away: whoever leaves within seconds was removed by the gateway, not by control.
      IDLE_TIMEOUT_MS: '60000',
    });
    url = `https://127.0.0.1:${stack.ports.get('gateway')}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM });
  }, 120_000);

  afterAll(async () => {
    for (const process of processes)
      if (process.child.exitCode === null) process.child.kill('SIGTERM');
    await browser?.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A tab in its own browser context (its own person), watched for console errors. */
  async function openTab(
    viewport = { width: 1280, height: 720 },
  ): Promise<{ page: Page; context: BrowserContext }> {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport,
      timezoneId: 'UTC',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    watchForErrors(page, consoleErrors, () => page.url());
    await openPage(page, url, 2 * LONG);
    try {
      // A browser starting on a busy machine can take a while to load the page and connect.
      await page.waitForSelector('#login-join:not([disabled])', { timeout: 2 * LONG });
    } catch (error) {
      const shown = await page.evaluate(() => document.body.innerText).catch(() => '?');
      throw new Error(
        `the login never became ready: ${(error as Error).message}\npage: ${shown}\nconsole: ${consoleErrors.join('\n')}\ngateway: ${stack.output('gateway').slice(-2000)}`,
      );
    }
    return { page, context };
  }

  async function login(page: Page, name: string, meeting = MEETING): Promise<void> {
    await page.fill('#login-name', name);
    await page.fill('#login-meeting', meeting);
    await page.click('#login-join');
    await page.waitForSelector('.grid', { timeout: LONG });
  }

  const tileLabels = (page: Page): Promise<string[]> =>
    page.$$eval('.tile .tile-name', (tiles) => tiles.map((t) => t.textContent ?? ''));

  async function waitForTiles(page: Page, labels: string[]): Promise<void> {
    await waitFor(
      async () =>
        JSON.stringify((await tileLabels(page)).sort()) === JSON.stringify(labels.slice().sort()),
      {
        timeoutMs: LONG,
        intervalMs: 100,
        what: `tiles ${labels.join(', ')}`,
      },
    );
  }

  async function openPanel(
    page: Page,
    panel: 'people' | 'chat' | 'files' | 'schedule',
  ): Promise<void> {
    const button = page.locator(`.control[data-panel="${panel}"]`);
    if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click();
  }

  async function sendChat(page: Page, text: string, to = 'all'): Promise<void> {
    await openPanel(page, 'chat');
    await page.selectOption('.composer select', to);
    await page.fill('.composer input', text);
    await page.press('.composer input', 'Enter');
  }

  const message = (page: Page, text: string) =>
    page.locator('.chat-log .message', { has: page.locator('.message-text', { hasText: text }) });

  function cli(args: string[]): NodeProcess {
    const process = runNode(CLI, args);
    processes.push(process);
    return process;
  }

  it('1. two browsers and a CLI participant meet: grid, list, (You), chat both ways with delivery, history, a taken name', async () => {
    ann = (await openTab()).page;
    await login(ann, 'Ann');
    carol = cli(['join', '--server', stack.server, '--name', 'Carol', '--meeting', MEETING]);
    await waitFor(() => carol.output().includes(`Joined "${MEETING}"`), {
      timeoutMs: LONG,
      what: 'Carol to join',
    });
    bob = (await openTab({ width: 800, height: 600 })).page;
    await login(bob, 'Bob');

    await waitForTiles(ann, ['Ann (You)', 'Bob', 'Carol']);
    await waitForTiles(bob, ['Ann', 'Bob (You)', 'Carol']);
    expect(await ann.getAttribute('.grid', 'data-cols')).toBe('2');
    expect(await ann.getAttribute('.grid', 'data-rows')).toBe('2');
    await openPanel(bob, 'people');
    expect(
      await bob.$$eval('.people .person-name', (items) => items.map((i) => i.textContent)),
    ).toEqual(expect.arrayContaining(['Ann', 'Bob (You)', 'Carol']));

    await sendChat(ann, 'Good morning, agenda is in the files panel');
    await message(bob, 'Good morning, agenda').waitFor({ state: 'attached', timeout: LONG });
    await waitFor(
      () => carol.output().includes('Ann: Good morning, agenda is in the files panel'),
      {
        timeoutMs: LONG,
        what: 'Carol to read Ann',
      },
    );
    await message(ann, 'Good morning')
      .locator('.delivery', { hasText: 'delivered to 2' })
      .waitFor({ state: 'attached', timeout: LONG });

    await sendChat(bob, 'Ann, can you share the numbers?', 'Ann');
    const privateAtAnn = message(ann, 'can you share the numbers');
    await privateAtAnn
      .locator('.private-mark', { hasText: 'private to you' })
      .waitFor({ state: 'attached', timeout: LONG });
    await message(bob, 'can you share the numbers')
      .locator('.delivery', { hasText: /^delivered$/ })
      .waitFor({ state: 'attached', timeout: LONG });
    expect(carol.output()).not.toContain('can you share the numbers');

    carol.child.stdin!.write('/to bob the build is green\n');
    await message(bob, 'the build is green')
      .locator('.private-mark')
      .waitFor({ state: 'attached', timeout: LONG });
    await sendChat(bob, 'thanks Carol', 'Carol');
    await waitFor(() => carol.output().includes('Bob → you (private): thanks Carol'), {
      timeoutMs: LONG,
      what: 'Carol to get Bob’s private message',
    });
    await sendChat(ann, 'I will share my screen after the files', 'all');
    await message(ann, 'I will share my screen')
      .locator('.delivery', { hasText: 'delivered to 2' })
      .waitFor({ state: 'attached', timeout: LONG });

    // Bob has the people list open: unread messages are counted on the chat button.
    await openPanel(bob, 'people');
    await sendChat(ann, 'one more thing');
    await bob
      .locator('.control[data-panel="chat"] .badge', { hasText: '1' })
      .waitFor({ timeout: LONG });

    carol.child.stdin!.write('Build is green, deploying at ten\n');
    await message(ann, 'deploying at ten').waitFor({ state: 'attached', timeout: LONG });

    // 6. The three-person meeting with the chat open, as the README shows it.
    await openPanel(ann, 'chat');
    await ann.waitForTimeout(300);
    await ann.screenshot({ path: SCREENSHOT });

    // 800x600 stays readable: nothing wider than the window, the controls on screen.
    expect(await bob.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    expect(await bob.locator('.control.leave').isVisible()).toBe(true);

    // A late joiner, by keyboard alone, sees the public history and not others' private words.
    const { page: dan } = await openTab();
    await dan.keyboard.type('Dan');
    await dan.keyboard.press('Tab');
    await dan.keyboard.type(MEETING);
    await dan.keyboard.press('Enter');
    await dan.waitForSelector('.grid', { timeout: LONG });
    await message(dan, 'Good morning, agenda').waitFor({ state: 'attached', timeout: LONG });
    expect(await dan.locator('.chat-log').textContent()).not.toContain('can you share the numbers');
    await dan.keyboard.press('Escape');
    await dan.locator('.side-panel').waitFor({ state: 'hidden' });

    // The same name in other letters is refused, beside the name field.
    const { page: impostor, context } = await openTab();
    await impostor.fill('#login-name', 'ANN');
    await impostor.fill('#login-meeting', MEETING);
    await impostor.click('#login-join');
    await impostor.locator('#login-name-error').waitFor({ timeout: LONG });
    expect(await impostor.locator('#login-name-error').textContent()).toMatch(/taken|already/i);
    await context.close();

    // 5 (first part). Closing Dan's tab takes him out of everyone's grid within a heartbeat.
    await waitForTiles(ann, ['Ann (You)', 'Bob', 'Carol', 'Dan']);
    const closedAt = Date.now();
    await dan.close();
    await waitForTiles(ann, ['Ann (You)', 'Bob', 'Carol']);
    expect(Date.now() - closedAt).toBeLessThan(LEFT_WITHIN_MS);
  }, 300_000);

  it('2. files: browser to `sapora receive` and `sapora send` to the browser, byte for byte', async () => {
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox);
    const filesPort = String(stack.ports.get('files'));
    const receiver = cli([
      'receive',
      '--server',
      stack.server,
      '--meeting',
      MEETING,
      '--name',
      'Eve',
      '--files-port',
      filesPort,
      '--into',
      inbox,
      '--count',
      '1',
    ]);
    await waitForTiles(ann, ['Ann (You)', 'Bob', 'Carol', 'Eve']);

    const agenda = randomBytes(700_000);
    const source = join(dir, 'agenda.bin');
    writeFileSync(source, agenda);
    await openPanel(ann, 'files');
    await ann.setInputFiles('.file-pick input[type=file]', source);
    await ann.selectOption('.send-file select', 'Eve');
    await ann.click('.send-file button[type=submit]');
    await ann
      .locator('.transfer[data-file="agenda.bin"] .transfer-state.sent')
      .waitFor({ timeout: LONG });
    expect(await receiver.exited).toBe(0);
    expect(md5(readFileSync(join(inbox, 'agenda.bin')))).toBe(md5(agenda));

    const numbers = randomBytes(1_500_000);
    const numbersPath = join(dir, 'numbers.bin');
    writeFileSync(numbersPath, numbers);
    const sender = cli([
      'send',
      '--server',
      stack.server,
      '--meeting',
      MEETING,
      '--name',
      'Sam',
      '--files-port',
      filesPort,
      '--to',
      'bob',
      numbersPath,
    ]);
    expect(await sender.exited).toBe(0);
    await bob.locator('.control[data-panel="files"] .badge').waitFor({ timeout: LONG });
    await openPanel(bob, 'files');
    const download = bob.waitForEvent('download', { timeout: LONG });
    await bob.click('.transfer[data-file="numbers.bin"] button');
    const saved = await (await download).path();
    expect(md5(readFileSync(saved))).toBe(md5(numbers));
    expect((await download).suggestedFilename()).toBe('numbers.bin');
    await bob.locator('.transfer[data-file="numbers.bin"] .transfer-state.sent').waitFor();
  }, 240_000);

  it('3. a CLI presenter’s screen takes the stage, and the grid comes back when it stops', async () => {
    const presenter = cli([
      'join',
      '--server',
      stack.server,
      '--meeting',
      MEETING,
      '--name',
      'Presenter',
      '--screen-port',
      String(stack.ports.get('screen')),
      '--screen-in',
      'testsrc',
    ]);
    await ann
      .locator('.screen-stage figcaption', { hasText: 'Presenter is presenting' })
      .waitFor({ timeout: LONG });
    await waitFor(
      async () => Number(await ann.getAttribute('.screen-canvas', 'data-frames')) >= 5,
      {
        timeoutMs: LONG,
        what: 'five frames drawn on the stage',
      },
    );
    const picture = await ann.$eval('.screen-canvas', (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < pixels.length; i += 4 * 997)
        seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
      return { width: c.width, height: c.height, colours: seen.size };
    });
    // The test picture: 1280x720 and many colours, not a blank canvas.
    expect(picture).toMatchObject({ width: 1280, height: 720 });
    expect(picture.colours).toBeGreaterThan(20);
    await openPanel(bob, 'people');
    await bob
      .locator('.people li[data-participant="Presenter"] [aria-label="presenting"]')
      .waitFor({ timeout: LONG });

    presenter.child.kill('SIGINT');
    expect(await presenter.exited).toBe(0);
    await ann.locator('.grid').waitFor({ timeout: LONG });
    await bob.locator('.grid').waitFor({ timeout: LONG });
  }, 180_000);

  it('4. meetings scheduled in the browser are listed by `sapora meetings list`; reminders reach the page', async () => {
    await openPanel(ann, 'schedule');
    await ann.click('.schedule button.secondary');
    await ann.fill('#meeting-id', 'retro');
    await ann.fill('#meeting-title', 'Sprint retro');
    // Starts in a few seconds (the page is in UTC), so its "starts now" reminder comes soon.
    const start = new Date(Date.now() + 20_000).toISOString().slice(0, 19);
    await ann.fill('#meeting-start', start);
    await ann.fill('#meeting-duration', '30');
    await ann.click('.meeting-form button[type=submit]');
    await ann
      .locator('.meetings li[data-meeting="retro"] .pill', { hasText: 'yours' })
      .waitFor({ timeout: LONG });

    const listed = cli(['meetings', 'list', '--server', stack.server]);
    expect(await listed.exited).toBe(0);
    expect(listed.output()).toMatch(/retro\s+Sprint retro\s+\(by Ann\)/);

    // Only its creator may change it: Bob is told so in the server's words.
    await openPanel(bob, 'schedule');
    await bob.locator('.meetings li[data-meeting="retro"]').waitFor({ timeout: LONG });
    await bob.click('.meetings li[data-meeting="retro"] .link.danger');
    await bob
      .locator('.meetings li[data-meeting="retro"] .field-error', {
        hasText: /only Ann, who scheduled "retro"/,
      })
      .waitFor({ timeout: LONG });

    await ann.click('.meetings li[data-meeting="retro"] .link:not(.danger)');
    await ann.fill('#meeting-title', 'Sprint retrospective');
    await ann.click('.meeting-form button[type=submit]');
    await ann
      .locator('.meetings li[data-meeting="retro"] strong', { hasText: 'Sprint retrospective' })
      .waitFor({ timeout: LONG });
    const relisted = cli(['meetings', 'list', '--server', stack.server, '--json']);
    expect(await relisted.exited).toBe(0);
    expect(JSON.parse(relisted.output())).toEqual([
      expect.objectContaining({
        meetingId: 'retro',
        title: 'Sprint retrospective',
        createdBy: 'Ann',
      }),
    ]);

    for (const page of [ann, bob])
      await page
        .locator('.toast-reminder', { hasText: 'Sprint retrospective (retro) starts now' })
        .waitFor({ timeout: 2 * LONG });
  }, 180_000);

  it('5. garbage and oversized messages are refused on their socket; the tabs carry on', async () => {
    const rogue = await GatewayTab.open(url);
    const errors = async (data: string | Buffer) => {
      const next = rogue.upcoming((e) => e.type === 'error');
      rogue.socket.send(data);
      return next;
    };
    await expect(errors('\u0000\u0001 garbage')).resolves.toMatchObject({ code: 'InvalidMessage' });
    await expect(
      errors(JSON.stringify({ type: 'chat', to: 'all', text: 'x'.repeat(GATEWAY_JSON_MAX_BYTES) })),
    ).resolves.toMatchObject({
      code: 'MessageTooLarge',
    });
    await expect(
      errors(JSON.stringify({ type: 'chat', id: 5, to: 'all', text: 'hi' })),
    ).resolves.toMatchObject({
      id: 5,
      code: 'NotJoined',
    });
    rogue.socket.send(Buffer.alloc(3 * 1024 * 1024));
    expect((await rogue.closed).code).toBe(1009);

    await sendChat(bob, 'still with you');
    await message(ann, 'still with you').waitFor({ state: 'attached', timeout: LONG });
    await message(bob, 'still with you')
      .locator('.delivery', { hasText: 'delivered' })
      .waitFor({ state: 'attached', timeout: LONG });
  }, 120_000);

  it('6. the screenshot is saved and no page logged a console error', () => {
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // 1280x720, from the PNG header.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 720]);
    expect(consoleErrors).toEqual([]);
  });
});
