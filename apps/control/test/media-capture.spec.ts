import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioClient,
  FileTransferClient,
  ReceivedVideoFrame,
  ServerTrust,
  Session,
  testPatternSource,
  toneSource,
  VideoClient,
} from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import { freePort, ServiceStack, waitFor } from '@sapora/testing';

const RATE = 44_100;
const FRAME = 512;

interface Capture {
  tcpdump: ChildProcess;
  file: string;
  /** A port nobody listens on: a datagram sent there marks the end of what to capture. */
  markerPort: number;
}

/** tcpdump on the loopback interface, writing every packet to and from `ports` to a file. */
async function startCapture(file: string, ports: number[]): Promise<Capture> {
  const markerPort = await freePort();
  const filter = [...ports, markerPort].map((port) => `port ${port}`).join(' or ');
  const tcpdump = spawn(
    'tcpdump',
    ['-i', 'lo', '--immediate-mode', '-U', '-n', '-s', '0', '-w', file, filter],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let said = '';
  await new Promise<void>((resolve, reject) => {
    tcpdump.once('error', (error) =>
      reject(new Error(`tcpdump could not start: ${error.message}`)),
    );
    tcpdump.stderr?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('listening on')) resolve();
    });
    tcpdump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${said}`)));
  });
  return { tcpdump, file, markerPort };
}

/** Stops once the capture holds everything sent so far: a marker sent last is in the file. */
async function stopCapture({ tcpdump, file, markerPort }: Capture): Promise<Buffer> {
  const marker = randomBytes(16);
  const socket = createSocket('udp4');
  try {
    await waitFor(
      async () => {
        await new Promise((resolve) => socket.send(marker, markerPort, '127.0.0.1', resolve));
        return readFileSync(file).includes(marker);
      },
      { intervalMs: 100, what: 'the capture to catch up' },
    );
  } finally {
    socket.close();
  }
  const exited = new Promise((resolve) => tcpdump.once('exit', resolve));
  tcpdump.kill('SIGINT');
  await exited;
  return readFileSync(file);
}

interface Secret {
  what: string;
  bytes: Buffer;
}

/**
 * What someone capturing the LAN sees of a meeting with chat, a file, a tone and video: every
 * packet to and from the services on the loopback interface goes to tcpdump, and the capture
 * is searched for the chat text, the file's bytes, the PCM samples, the JPEG's bytes, the
 * session tokens and the media keys. The same meeting over plain TCP (allowed by this server,
 * asked for by the clients) shows them: the search finds clear text when there is some.
 */
describe('encryption in transit: a capture of a whole meeting', () => {
  const stack = new ServiceStack();
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sapora-capture-'));
    await stack.start(['control', 'audio', 'video', 'files'], {
      FILES_DIR: join(work, 'storage'),
      // Plain TCP allowed too, for the comparison; TLS clients are unaffected.
      SAPORA_ALLOW_PLAINTEXT: '1',
    });
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function meeting(trust: () => ServerTrust): Promise<{ wire: Buffer; secrets: Secret[] }> {
    const ports = (['control', 'audio', 'video', 'files'] as const).map((name) =>
      stack.ports.get(name)!,
    );
    const capture = await startCapture(join(work, `${randomUUID()}.pcap`), ports);
    const secrets: Secret[] = [];
    const people: Array<{ session: Session; audio: AudioClient; video: VideoClient }> = [];
    try {
      const meetingId = `capture-${randomUUID().slice(0, 8)}`;
      const enter = async (username: string) => {
        const session = new Session({
          host: '127.0.0.1',
          port: stack.ports.get('control')!,
          username,
          meetingId,
          trust: trust(),
        });
        await session.connect();
        const at = (kind: 'audio' | 'video') => ({
          host: '127.0.0.1',
          port: stack.ports.get(kind)!,
        });
        const audio = new AudioClient({ session, ...at('audio'), keepaliveMs: 100 });
        const video = new VideoClient({ session, ...at('video'), keepaliveMs: 100 });
        await Promise.all([audio.start(), video.start()]);
        const person = { session, audio, video };
        people.push(person);
        return person;
      };
      const alice = await enter('alice');
      const bob = await enter('bob');

      const heard: string[] = [];
      bob.session.on('chat', (message) => heard.push(message.text));
      const text = `the launch code is ${randomUUID()}`;
      await alice.session.sendChat('all', text);
      await waitFor(() => heard.includes(text), { what: 'bob to read the chat' });
      secrets.push({ what: 'chat text', bytes: Buffer.from(text) });

      const content = randomBytes(128 * 1024);
      const source = join(work, `${meetingId}.bin`);
      writeFileSync(source, content);
      const to = { host: '127.0.0.1', port: stack.ports.get('files')! };
      const done = await new FileTransferClient({ session: alice.session, ...to }).upload(
        source,
        'bob',
      );
      const saved = join(work, `${meetingId}-got.bin`);
      await new FileTransferClient({ session: bob.session, ...to }).download(done.fileId, saved);
      expect(readFileSync(saved).equals(content)).toBe(true);
      secrets.push(
        { what: 'file start', bytes: content.subarray(0, 32) },
        { what: 'file end', bytes: content.subarray(content.length - 32) },
      );

      // A tone from alice, heard by bob; every frame she sent is kept to be searched for.
      const sent: Int16Array[] = [];
      const tone = toneSource(440, RATE, FRAME);
      alice.audio.startStreaming({
        next: () => {
          const frame = tone.next();
          if (frame !== null) sent.push(Int16Array.from(frame));
          return frame;
        },
      });
      const mixes: Int16Array[] = [];
      bob.audio.on('frame', (frame) => mixes.push(Int16Array.from(frame)));
      bob.audio.startReceiving();
      await waitFor(
        () => {
          const recent = mixes.slice(-40);
          const samples = new Int16Array(recent.length * FRAME);
          recent.forEach((frame, i) => samples.set(frame, i * FRAME));
          return (
            sent.length >= 200 && recent.length === 40 && toneAmplitude(samples, 440, RATE) > 0.1
          );
        },
        { what: 'bob hearing alice' },
      );
      alice.audio.stopStreaming();
      // 32 bytes of every tenth frame alice sent: a stretch of samples as they would travel.
      sent
        .filter((_, i) => i % 10 === 5)
        .forEach((frame, i) =>
          secrets.push({
            what: `PCM of frame ${i * 10 + 5}`,
            bytes: Buffer.from(frame.buffer, frame.byteOffset + 200, 32),
          }),
        );

      const frames: ReceivedVideoFrame[] = [];
      bob.video.on('frame', (frame) => frames.push(frame));
      const jpeg = testPatternSource(12_000, 'alice').next()!;
      await waitFor(
        () => {
          alice.video.sendFrame(jpeg);
          return frames.some((frame) => frame.jpeg.equals(jpeg));
        },
        { intervalMs: 200, what: 'alice’s video at bob' },
      );
      secrets.push({
        what: 'JPEG',
        bytes: jpeg.subarray(jpeg.length >> 1, (jpeg.length >> 1) + 32),
      });

      for (const { session } of [alice, bob]) {
        secrets.push({ what: `${session.username}'s session token`, bytes: session.sessionToken! });
        if (session.mediaKey !== undefined)
          secrets.push(
            { what: `${session.username}'s media key`, bytes: session.mediaKey },
            { what: `the room key at ${session.username}`, bytes: session.roomMediaKeys[0].key },
          );
      }
    } finally {
      for (const { session, audio, video } of people) {
        audio.close();
        video.close();
        await session.leave();
      }
    }
    return { wire: await stopCapture(capture), secrets };
  }

  const inClear = ({ wire, secrets }: { wire: Buffer; secrets: Secret[] }): string[] =>
    secrets.filter((secret) => wire.includes(secret.bytes)).map((secret) => secret.what);

  it('shows none of the chat, the file, the samples, the picture, the tokens or the keys', async () => {
    const seen = await meeting(() => ({}));
    expect(seen.wire.length).toBeGreaterThan(128 * 1024);
    // Chat, two of the file, at least ten of the PCM, the JPEG, two tokens, two keys each.
    expect(seen.secrets.length).toBeGreaterThan(20);
    expect(inClear(seen)).toEqual([]);
  }, 120_000);

  it('over plain TCP (allowed by the server) shows them, media included', async () => {
    const seen = await meeting(() => ({ insecure: true, onInsecureConnection: () => undefined }));
    const found = inClear(seen);
    expect(found).toEqual(expect.arrayContaining(['chat text', 'file start', 'file end', 'JPEG']));
    expect(found).toEqual(expect.arrayContaining(["alice's session token", "bob's session token"]));
    // The samples travel in clear both ways: (nearly) every stretch searched for is there.
    const pcm = seen.secrets.filter((secret) => secret.what.startsWith('PCM'));
    expect(found.filter((what) => what.startsWith('PCM')).length).toBeGreaterThan(pcm.length / 2);
  }, 120_000);
});
