import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioClient,
  FileTransferClient,
  readWav,
  Session,
  SessionClosed,
  toneSource,
} from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import { runNode, ServiceStack, waitFor } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');
const RATE = 44_100;
const SECOND = RATE;
const AUDIBLE = 0.1;
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** The samples of a WAV file still being written, whose header does not count them yet. */
function recorded(path: string): Int16Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return new Int16Array(0);
  }
  const samples = new Int16Array(Math.max(0, (bytes.length - 44) >> 1));
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(44 + 2 * i);
  return samples;
}

describe('sapora record: a two-speaker meeting, recorded openly', () => {
  const stack = new ServiceStack();
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-record-'));
    await stack.start(['control', 'audio', 'files'], { FILES_DIR: join(dir, 'server-storage') });
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes both tones, the chat with times and the files sent, until the host ends the meeting', async () => {
    const into = join(dir, 'recording');
    const join_ = async (username: string, hz: number) => {
      const session = new Session({
        host: '127.0.0.1',
        port: stack.ports.get('control')!,
        username,
        meetingId: 'board',
      });
      await session.connect();
      const audio = new AudioClient({ session, port: stack.ports.get('audio') });
      await audio.start();
      audio.startStreaming(toneSource(hz, RATE, 512));
      return { session, audio };
    };
    const ann = await join_('Ann', 440);
    const ben = await join_('Ben', 660);
    const recorder = runNode(CLI, [
      'record',
      '--server',
      stack.server,
      '--meeting',
      'board',
      '--into',
      into,
      '--audio-port',
      String(stack.ports.get('audio')),
      '--files-port',
      String(stack.ports.get('files')),
    ]);
    await waitFor(() => recorder.output().includes('Recording "board"'), {
      what: 'the recorder to join',
    });
    const rec = await waitFor(
      () => ann.session.participants.find((p) => p.username === 'recorder'),
      { what: 'the recorder in the list' },
    );
    expect(rec.recording).toBe(true);

    await ann.session.sendChat('all', 'first item: the budget');
    await ben.session.sendChat('all', 'agreed');
    const file = join(dir, 'minutes.txt');
    writeFileSync(file, 'minutes of the board meeting\n'.repeat(1000));
    const transfer = new FileTransferClient({
      session: ben.session,
      port: stack.ports.get('files'),
    });
    await transfer.upload(file, 'all');
    await waitFor(() => recorder.output().includes('saved'), { what: 'the file saved' });
    const wav = join(into, 'meeting.wav');
    await waitFor(
      () => {
        const samples = recorded(wav);
        if (samples.length < SECOND) return false;
        const last = samples.subarray(samples.length - SECOND);
        return toneAmplitude(last, 440, RATE) > AUDIBLE && toneAmplitude(last, 660, RATE) > AUDIBLE;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'a second of both tones in the recording' },
    );

    const closed = new Promise<SessionClosed>((resolve) => ben.session.once('closed', resolve));
    await ann.session.endMeeting();
    await closed;
    expect(await recorder.exited).toBe(0);
    for (const { audio } of [ann, ben]) audio.close();

    const { sampleRate, samples } = readWav(readFileSync(wav));
    expect(sampleRate).toBe(RATE);
    expect(samples.length).toBeGreaterThan(SECOND);
    const both = samples.subarray(samples.length - 2 * SECOND);
    expect(toneAmplitude(both, 440, RATE)).toBeGreaterThan(AUDIBLE / 2);
    expect(toneAmplitude(both, 660, RATE)).toBeGreaterThan(AUDIBLE / 2);

    const chat = readFileSync(join(into, 'chat.txt'), 'utf8').trimEnd().split('\n');
    const line = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}(.*)$/;
    expect(chat.every((l) => line.test(l))).toBe(true);
    expect(chat.map((l) => line.exec(l)?.[1])).toEqual([
      '* recorder is recording this meeting',
      'Ann: first item: the budget',
      'Ben: agreed',
      '* Ann ended the meeting for everyone',
    ]);
    expect(md5(readFileSync(join(into, 'files', 'minutes.txt')))).toBe(md5(readFileSync(file)));
  }, 60_000);
});
