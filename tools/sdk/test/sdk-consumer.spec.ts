import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioClient,
  ChatMessage,
  FileNotice,
  FileTransferClient,
  MeetingsClient,
  readWav,
  ScreenShareClient,
  Session,
  toneSource,
} from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import { LabProcess, NetworkLab, waitFor } from '@sapora/testing';

const ROOT = join(__dirname, '..', '..', '..');
const APPS = join(ROOT, 'apps');
const RATE = 44_100;
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/**
 * The level of `hz` in the loudest half second of the recording's last `seconds`: a mixer that
 * waits for a core on a busy machine leaves gaps, which say nothing of whether the tone came.
 */
function loudestHalfSecond(samples: Int16Array, hz: number, rate: number, seconds: number): number {
  const half = Math.floor(rate / 2);
  let loudest = 0;
  for (
    let end = samples.length;
    end - half >= Math.max(0, samples.length - seconds * rate);
    end -= half
  )
    loudest = Math.max(loudest, toneAmplitude(samples.subarray(end - half, end), hz, rate));
  return loudest;
}

/** The ```js block of the README's "Embedding the client library" section, as it is written. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Embedding the client library'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  if (block === null)
    throw new Error('README.md has no js example under "Embedding the client library"');
  return block[1];
}

/** The same program as CommonJS: `require` for the import, the body in an async function. */
function asCommonJs(esm: string): string {
  const importLine = /^import \{([^}]*)\} from '@sapora\/client';\n/m;
  const names = importLine.exec(esm)?.[1];
  if (names === undefined) throw new Error('the example does not import from @sapora/client');
  const body = esm.replace(importLine, '');
  return `const {${names}} = require('@sapora/client');\n(async () => {\n${body}})();\n`;
}

/**
 * The SDK as another project gets it: packed into one tarball, installed offline in a fresh
 * project outside the workspace, imported as an ES module and as CommonJS, and run against the
 * real services: the README's example verbatim, and each program in examples/. The services
 * run on a host of their own (a network namespace), so the example's discover() hears only them.
 */
describe('@sapora/client installed from its package', () => {
  let work: string;
  let tarball: string;
  let lab: NetworkLab;
  let server: string;
  const running: ChildProcess[] = [];
  const sessions: Session[] = [];

  function service(app: string, env: Record<string, string> = {}): LabProcess {
    return lab.run('server', process.execPath, [join(APPS, app, 'dist', 'main.js')], {
      NODE_ENV: 'production',
      REDIS_URL: `redis://${server}:6379`,
      MEDIA_PUBLIC_HOST: server,
      HEALTH_SOCKET: join(work, `${app}.health`),
      // One process per media service: this tests the SDK, and the two shared cores run the
      // examples too (workers are apps/control/test/media-workers.spec.ts's).
      AUDIO_WORKERS: '1',
      VIDEO_WORKERS: '1',
      ...env,
    });
  }

  /** A project outside the workspace with the packed SDK installed, offline. */
  function project(
    name: string,
    packageJson: object,
    files: Record<string, string | Buffer> = {},
  ): string {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
      cwd: dir,
      stdio: 'pipe',
    });
    return dir;
  }

  /** An example from examples/, copied out and installed as its own project. */
  function example(name: string): string {
    const dir = join(work, name);
    cpSync(join(ROOT, 'examples', name), dir, { recursive: true });
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
      cwd: dir,
      stdio: 'pipe',
    });
    return dir;
  }

  /** Runs a program of a project here, collecting what it prints. */
  function start(
    dir: string,
    args: string[],
  ): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return {
      child,
      output: () => output,
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    };
  }

  async function enter(username: string, meetingId: string): Promise<Session> {
    const session = new Session({ host: server, username, meetingId });
    await session.connect();
    sessions.push(session);
    return session;
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sapora-sdk-'));
    tarball = execFileSync(
      process.execPath,
      [join(ROOT, 'libs', 'client', 'scripts', 'build-sdk.mjs'), '--out', join(work, 'pkg')],
      {
        encoding: 'utf8',
      },
    ).split('\n')[0];
    expect(existsSync(tarball)).toBe(true);
    lab = NetworkLab.create(['server', 'client']);
    server = lab.address('server');
    const redis = lab.run('server', 'redis-server', [
      '--bind',
      server,
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ]);
    await redis.waitForOutput(/Ready to accept connections/, 'Redis');
    await service('control').waitForOutput(/control listening/, 'control');
    await Promise.all(
      ['audio', 'video', 'files', 'screen'].map((app) =>
        service(app, { FILES_DIR: join(work, 'files') }).waitForOutput(/registered/, app),
      ),
    );
    await service('discovery', {
      DISCOVERY_BROADCAST: `${lab.subnet}.255`,
      CONTROL_PUBLIC_HOST: server,
      DISCOVERY_INTERVAL_MS: '1000',
      SERVER_NAME: 'SDK test',
    }).waitForOutput(/discovery announcing/, 'discovery');
  }, 180_000);

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(sessions.map((session) => session.leave()));
    await lab?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('is one package with no dependencies, for CommonJS and ES modules, with typings', () => {
    const dir = project('shape', { name: 'shape', version: '1.0.0', private: true });
    const manifest = JSON.parse(
      readFileSync(join(dir, 'node_modules', '@sapora', 'client', 'package.json'), 'utf8'),
    ) as { dependencies?: object; exports: Record<string, object> };
    expect(manifest).toMatchObject({ name: '@sapora/client', engines: { node: '>=20' } });
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.exports['.']).sort()).toEqual(['import', 'require', 'types']);
    // Nothing else was installed: everything it needs is inside.
    expect(
      execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: dir, encoding: 'utf8' })
        .trim()
        .split('\n'),
    ).toHaveLength(2);
    const cjs = execFileSync(
      process.execPath,
      [
        '-e',
        "const c = require('@sapora/client'); console.log(`${typeof c.Session} ${c.ErrorCode.NoCapacity}`)",
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(cjs.trim()).toBe('function 25');
    const esm = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { Session, ErrorCode } from '@sapora/client'; console.log(`${typeof Session} ${ErrorCode.Unavailable}`)",
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(esm.trim()).toBe('function 24');
  });

  it('type-checks the README example against the packed typings', () => {
    const dir = project(
      'typed',
      { name: 'typed', version: '1.0.0', private: true, type: 'module' },
      {
        'example.mts': readmeExample(),
      },
    );
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules', '@types'),
        'example.mts',
      ],
      { cwd: dir, stdio: 'pipe' },
    );
  });

  it.each([
    ['an ES module', 'esm'],
    ['CommonJS', 'cjs'],
  ])(
    'runs the README example verbatim as %s: schedule, join, chat, a file each way, a tone, a shared screen',
    async (_how, format) => {
      const agenda = randomBytes(40_000);
      const program = format === 'esm' ? readmeExample() : asCommonJs(readmeExample());
      const file = format === 'esm' ? 'example.mjs' : 'example.cjs';
      const dir = project(
        `readme-${format}`,
        { name: `readme-${format}`, version: '1.0.0', private: true },
        {
          [file]: program,
          'agenda.pdf': agenda,
        },
      );
      mkdirSync(join(dir, 'inbox'));
      const title = `Planning ${format}`;
      const meetings = await MeetingsClient.connect({ host: server });
      await meetings.create({
        meetingId: `plan-${format}`,
        title,
        startsAt: new Date(Date.now() + 3_600_000).toISOString(),
        durationMinutes: 30,
        username: 'planner',
      });
      meetings.close();

      // Someone is already talking in the room, and shares a screen.
      const speaker = await enter(`speaker-${format}`, 'standup');
      const audio = new AudioClient({ session: speaker });
      await audio.start();
      audio.startStreaming(toneSource(440, RATE, 512, 0.3));
      const screen = new ScreenShareClient({ session: speaker });
      await screen.present();
      const push = setInterval(() => screen.push(randomBytes(3_000)), 200);
      const chat: ChatMessage[] = [];
      const notices: FileNotice[] = [];
      speaker.on('chat', (message) => chat.push(message));
      speaker.on('file', (notice) => notices.push(notice));

      const run = lab.run('client', process.execPath, [file], {}, dir);
      try {
        await waitFor(
          () => chat.some((m) => m.from === 'recorder' && m.text === 'recording starts now'),
          {
            timeoutMs: 30_000,
            what: 'the example in the room',
          },
        );
        const welcome = randomBytes(25_000);
        const welcomePath = join(work, `welcome-${format}.txt`);
        writeFileSync(welcomePath, welcome);
        await speaker.sendChat('recorder', `hello recorder ${format}`);
        await new FileTransferClient({ session: speaker }).upload(welcomePath, 'recorder');
        expect(await run.exited).toBe(0);
        const output = run.output;
        expect(output).toContain(title);
        expect(output).toContain(`speaker-${format}: hello recorder ${format}`);
        expect(output).toMatch(/shared frame \d+: 3000 bytes/);
        expect(md5(readFileSync(join(dir, 'inbox', `welcome-${format}.txt`)))).toBe(md5(welcome));
        const { samples, sampleRate } = readWav(readFileSync(join(dir, 'meeting.wav')));
        expect(loudestHalfSecond(samples, 440, sampleRate, 2)).toBeGreaterThan(0.1);
        // The example's upload reached the room, checked.
        await waitFor(() => notices.find((n) => n.name === 'agenda.pdf'), {
          what: 'the agenda notice',
        });
        const got = join(work, `agenda-${format}.pdf`);
        await new FileTransferClient({ session: speaker }).download(
          notices.find((n) => n.name === 'agenda.pdf')!,
          got,
        );
        expect(md5(readFileSync(got))).toBe(md5(agenda));
      } finally {
        clearInterval(push);
        await run.stop('SIGKILL');
        audio.close();
        await screen.stop();
        await speaker.leave();
      }
    },
    120_000,
  );

  it('runs examples/chat-bot: it answers commands, publicly and privately', async () => {
    const bot = start(example('chat-bot'), [
      'bot.mjs',
      '--server',
      `${server}:5000`,
      '--meeting',
      'bots',
    ]);
    await waitFor(() => /ready/.test(bot.output()), { timeoutMs: 30_000, what: 'the bot ready' });
    const ann = await enter('ann', 'bots');
    const heard: ChatMessage[] = [];
    ann.on('chat', (message) => heard.push(message));
    await ann.sendChat('all', '!echo hello there');
    await waitFor(
      () => heard.find((m) => m.from === 'bot' && m.text === 'hello there' && !m.private),
      { what: 'the echo' },
    );
    await ann.sendChat('bot', '!who');
    const who = await waitFor(() => heard.find((m) => m.from === 'bot' && m.private), {
      what: 'the private answer',
    });
    expect(who.text).toMatch(/^here: .*bot.*ann|^here: .*ann.*bot/);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 60_000);

  it('runs examples/recorder: the mix to WAV, the chat to a transcript, announced in the chat', async () => {
    const into = join(work, 'recording');
    const recorder = start(example('recorder'), [
      'recorder.cjs',
      '--server',
      `${server}:5000`,
      '--meeting',
      'rec',
      '--into',
      into,
    ]);
    const talker = await enter('talker', 'rec');
    const heard: ChatMessage[] = [];
    talker.on('chat', (message) => heard.push(message));
    await waitFor(() => heard.find((m) => m.from === 'recorder' && /being recorded/.test(m.text)), {
      timeoutMs: 30_000,
      what: 'the recording announced',
    });
    const audio = new AudioClient({ session: talker });
    await audio.start();
    const wav = join(into, 'meeting.wav');
    try {
      audio.startStreaming(toneSource(660, RATE, 512, 0.3));
      await talker.sendChat('all', 'for the record');
      const transcript = join(into, 'transcript.txt');
      await waitFor(
        () =>
          existsSync(transcript) &&
          readFileSync(transcript, 'utf8').includes('talker: for the record'),
        { what: 'the transcript line' },
      );
      // The header's sizes are written when the recording stops: watch the file grow instead,
      // by two seconds of sound after the tone started, then stop it.
      const startedAt = statSync(wav).size;
      await waitFor(() => statSync(wav).size >= startedAt + 2 * RATE * 2, {
        timeoutMs: 30_000,
        what: 'two seconds recorded with the tone',
      });
      recorder.child.kill('SIGINT');
      expect(await recorder.exited).toBe(0);
      const { samples, sampleRate } = readWav(readFileSync(wav));
      expect(loudestHalfSecond(samples, 660, sampleRate, 1)).toBeGreaterThan(0.1);
      expect(readFileSync(transcript, 'utf8')).toMatch(/^\d\d:\d\d:\d\d talker: for the record$/m);
      expect(recorder.output()).toMatch(/stopped: \d+\.\d s of sound/);
    } finally {
      audio.close();
    }
  }, 90_000);

  it('runs examples/kiosk: it shows who is in the meeting as people come and go', async () => {
    const kiosk = start(example('kiosk'), [
      'kiosk.mjs',
      '--server',
      `${server}:5000`,
      '--meeting',
      'lobby',
    ]);
    await waitFor(() => /Meeting "lobby": 0 people/.test(kiosk.output()), {
      timeoutMs: 30_000,
      what: 'the empty room shown',
    });
    const ada = await enter('ada', 'lobby');
    const bo = await enter('bo', 'lobby');
    await waitFor(() => /Meeting "lobby": 2 people\n {2}ada\n {2}bo/.test(kiosk.output()), {
      what: 'both shown',
    });
    await bo.leave();
    await waitFor(
      () => /Meeting "lobby": 1 person\n {2}ada\n(?![\s\S]*Meeting)/.test(kiosk.output()),
      { what: 'bo gone' },
    );
    ada.setMuted(true);
    await waitFor(() => /ada \(muted\)/.test(kiosk.output()), { what: 'ada shown muted' });
    kiosk.child.kill('SIGTERM');
    expect(await kiosk.exited).toBe(0);
  }, 60_000);
});
