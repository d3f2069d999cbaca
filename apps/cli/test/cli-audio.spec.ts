import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import { freePort, NodeProcess, runNode, startRedis, TestRedis, waitFor } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');
const APPS = join(__dirname, '..', '..');

describe('sapora join with audio: a tone bot and a recorder', () => {
  let redis: TestRedis;
  let control: NodeProcess;
  let audio: NodeProcess;
  let server: string;
  let audioPort: number;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    const controlPort = await freePort();
    audioPort = await freePort();
    server = `127.0.0.1:${controlPort}`;
    const env = { REDIS_URL: redis.url, NODE_ENV: 'production' };
    control = runNode(join(APPS, 'control', 'dist', 'main.js'), [], {
      ...env,
      CONTROL_HOST: '127.0.0.1',
      CONTROL_PORT: String(controlPort),
    });
    audio = runNode(join(APPS, 'audio', 'dist', 'main.js'), [], {
      ...env,
      AUDIO_HOST: '127.0.0.1',
      AUDIO_PORT: String(audioPort),
    });
    await waitFor(
      () => /control listening/.test(control.output()) && /audio listening/.test(audio.output()),
      {
        timeoutMs: 10_000,
        what: 'control and audio to listen',
      },
    );
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-audio-'));
  });

  afterAll(async () => {
    for (const service of [control, audio]) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records what the room says: the bot’s 440 Hz, and not the recorder’s own 660 Hz', async () => {
    const wav = join(dir, 'heard.wav');
    const common = [
      'join',
      '--server',
      server,
      '--meeting',
      'radio',
      '--audio-port',
      String(audioPort),
    ];
    const bot = runNode(CLI, [...common, '--name', 'Bot', '--audio-in', 'tone:440']);
    const recorder = runNode(CLI, [
      ...common,
      '--name',
      'Rec',
      '--audio-in',
      'tone:660',
      '--audio-out',
      wav,
    ]);
    await waitFor(() => bot.output().includes('Joined') && recorder.output().includes('Joined'), {
      what: 'both to join',
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    recorder.child.kill('SIGINT');
    bot.child.kill('SIGINT');
    expect(await recorder.exited).toBe(0);
    expect(await bot.exited).toBe(0);

    const { sampleRate, samples } = readWav(readFileSync(wav));
    expect(sampleRate).toBe(44_100);
    expect(samples.length).toBeGreaterThan(44_100);
    const lastSecond = samples.subarray(samples.length - 44_100);
    expect(toneAmplitude(lastSecond, 440, 44_100)).toBeGreaterThan(0.15);
    expect(toneAmplitude(lastSecond, 660, 44_100)).toBeLessThan(0.02);
  }, 20_000);
});
