import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import { runNode, waitFor, ServiceStack } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');
const RATE = 44_100;
/** A second of audio, in samples. */
const SECOND = RATE;
const AUDIBLE = 0.15;

/** The samples of a WAV file still being written, whose header does not count them yet. */
function recorded(path: string): Int16Array {
  const bytes = readFileSync(path);
  const samples = new Int16Array(Math.max(0, (bytes.length - 44) >> 1));
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(44 + 2 * i);
  return samples;
}

describe('sapora join with audio: a tone bot and a recorder', () => {
  const stack = new ServiceStack();
  let dir: string;

  beforeAll(async () => {
    await stack.start(['control', 'audio']);
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-audio-'));
  }, 60_000);

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
    // The recorder writes as it plays (the header's sizes only at the end): stop it once its
    // last second carries the bot.
    await waitFor(
      () => {
        const samples = recorded(wav);
        return (
          samples.length > SECOND &&
          toneAmplitude(samples.subarray(samples.length - SECOND), 440, RATE) > AUDIBLE
        );
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'a second of the bot in the recording' },
    );
    recorder.child.kill('SIGINT');
    bot.child.kill('SIGINT');
    expect(await recorder.exited).toBe(0);
    expect(await bot.exited).toBe(0);

    const { sampleRate, samples } = readWav(readFileSync(wav));
    expect(sampleRate).toBe(RATE);
    expect(samples.length).toBeGreaterThan(SECOND);
    const lastSecond = samples.subarray(samples.length - SECOND);
    expect(toneAmplitude(lastSecond, 440, RATE)).toBeGreaterThan(AUDIBLE);
    expect(toneAmplitude(lastSecond, 660, RATE)).toBeLessThan(0.02);
  }, 60_000);
});
