import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import { runNode, waitFor, ServiceStack } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');

describe('sapora join with audio: a tone bot and a recorder', () => {
  const stack = new ServiceStack();
  let dir: string;

  beforeAll(async () => {
    await stack.start(['control', 'audio']);
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-audio-'));
  }, 20_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records what the room says: the bot’s 440 Hz, and not the recorder’s own 660 Hz', async () => {
    const wav = join(dir, 'heard.wav');
    const common = [
      'join',
      '--server',
      stack.server,
      '--meeting',
      'radio',
      '--audio-port',
      String(stack.ports.get('audio')),
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
