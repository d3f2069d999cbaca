import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioClient,
  ErrorCode,
  FileTransferClient,
  Participant,
  ReceivedVideoFrame,
  SaporaError,
  ScreenFrame,
  ScreenShareClient,
  Session,
  testPatternSource,
  toneSource,
  VideoClient,
} from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import { MessageType } from '@sapora/protocol';
import { RawFramedClient, ServiceStack, waitFor } from '@sapora/testing';

const RATE = 44_100;
const FRAME = 512;
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

interface Person {
  session: Session;
  audio: AudioClient;
  video: VideoClient;
  heard: Int16Array[];
  frames: ReceivedVideoFrame[];
}

/**
 * Redis goes away under live clients and comes back empty: every service (each its own
 * process, as deployed) must reconnect by itself, rebuild what it kept from Redis, and serve
 * again; while it is away a join is told to try again, not left hanging.
 */
describe('every service through a Redis restart that loses everything', () => {
  const stack = new ServiceStack();
  const people: Person[] = [];
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sapora-redis-restart-'));
    await stack.start(['control', 'audio', 'video', 'files', 'screen'], {
      HEARTBEAT_INTERVAL_MS: '200',
      IDLE_TIMEOUT_MS: '1500',
      SWEEP_INTERVAL_MS: '100',
      FILES_DIR: join(work, 'files'),
    });
  }, 60_000);

  afterAll(async () => {
    for (const person of people) {
      person.audio.close();
      person.video.close();
      await person.session.leave();
    }
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const port = (service: 'control' | 'audio' | 'video' | 'files' | 'screen'): number =>
    stack.ports.get(service)!;

  async function enter(username: string, meetingId = 'live'): Promise<Person> {
    const session = new Session({ host: '127.0.0.1', port: port('control'), username, meetingId });
    await session.connect();
    const audio = new AudioClient({
      session,
      host: '127.0.0.1',
      port: port('audio'),
      keepaliveMs: 100,
    });
    await audio.start();
    const heard: Int16Array[] = [];
    audio.on('frame', (frame) => heard.push(Int16Array.from(frame)));
    audio.startReceiving();
    const video = new VideoClient({
      session,
      host: '127.0.0.1',
      port: port('video'),
      keepaliveMs: 100,
    });
    await video.start();
    const frames: ReceivedVideoFrame[] = [];
    video.on('frame', (frame) => frames.push(frame));
    const person = { session, audio, video, heard, frames };
    people.push(person);
    return person;
  }

  /** Whether `person` heard `hz` in the last half second of mix. */
  function hears(person: Person, hz: number): boolean {
    const recent = person.heard.slice(-Math.ceil((0.5 * RATE) / FRAME));
    const samples = new Int16Array(recent.length * FRAME);
    recent.forEach((frame, i) => samples.set(frame, i * FRAME));
    return recent.length > 20 && toneAmplitude(samples, hz, RATE) > 0.1;
  }

  async function chats(from: Person, to: Person, text: string): Promise<void> {
    const got = new Promise<void>((resolve) =>
      to.session.on('chat', (message) => {
        if (message.text === text) resolve();
      }),
    );
    await from.session.sendChat(to.session.username, text);
    await got;
  }

  it('serves everything again within 5 s of Redis coming back, and says "try again" while it is away', async () => {
    const alice = await enter('alice');
    const bob = await enter('bob');
    alice.audio.startStreaming(toneSource(440, RATE, FRAME, 0.3));
    await waitFor(() => hears(bob, 440), { timeoutMs: 10_000, what: 'bob hearing alice' });

    const rejoined = Promise.all(
      [alice, bob].map((p) => new Promise((resolve) => p.session.once('rejoined', resolve))),
    );
    let attempts = 0;
    alice.session.on('reconnecting', () => attempts++);
    let returnedAt = 0;
    await stack.restartRedisEmpty(async () => {
      // While Redis is away: a newcomer is told to try again, quickly.
      const started = Date.now();
      const refused = await new Session({
        host: '127.0.0.1',
        port: port('control'),
        username: 'carol',
        meetingId: 'live',
      })
        .connect()
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SaporaError);
      expect((refused as SaporaError).code).toBe(ErrorCode.Unavailable);
      expect((refused as SaporaError).message).toMatch(/try again/);
      expect(Date.now() - started).toBeLessThan(10_000);
      // An outage long enough for the clients to lose their sessions' heartbeats and try to
      // join again several times, in vain.
      await waitFor(() => attempts >= 4, {
        timeoutMs: 30_000,
        what: 'alice trying to rejoin while Redis is away',
      });
    });
    returnedAt = Date.now();

    // Redis came back empty: the sessions are gone, and the clients join afresh by themselves.
    await rejoined;
    await chats(alice, bob, 'back again');
    await waitFor(() => hears(bob, 440), { timeoutMs: 10_000, what: 'bob hearing alice again' });
    const jpeg = testPatternSource(9_000, 'alice').next()!;
    await waitFor(
      () => {
        alice.video.sendFrame(jpeg);
        return bob.frames.some((frame) => frame.jpeg.equals(jpeg));
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'alice’s video at bob' },
    );
    const backInMs = Date.now() - returnedAt;
    expect(backInMs).toBeLessThan(5_000);

    // Files: sent, stored, noticed and fetched, MD5 checked.
    const bytes = randomBytes(300_000);
    const path = join(work, 'after.bin');
    writeFileSync(path, bytes);
    const notice = new Promise<{ fileId: string }>((resolve) => bob.session.once('file', resolve));
    await new FileTransferClient({
      session: alice.session,
      host: '127.0.0.1',
      port: port('files'),
    }).upload(path, 'bob');
    const saved = join(work, 'after.received');
    await new FileTransferClient({
      session: bob.session,
      host: '127.0.0.1',
      port: port('files'),
    }).download((await notice).fileId, saved);
    expect(md5(readFileSync(saved))).toBe(md5(bytes));

    // Screen: a share reaches a viewer, and the list shows the presenter (the event went round).
    const lists: Participant[][] = [];
    bob.session.on('participants', (list) => lists.push(list));
    const viewer = new ScreenShareClient({
      session: bob.session,
      host: '127.0.0.1',
      port: port('screen'),
    });
    const shown: ScreenFrame[] = [];
    viewer.on('frame', (frame) => shown.push(frame));
    await viewer.view();
    const presenter = new ScreenShareClient({
      session: alice.session,
      host: '127.0.0.1',
      port: port('screen'),
    });
    await presenter.present();
    const screenJpeg = randomBytes(8_000);
    presenter.push(screenJpeg);
    await waitFor(() => shown.some((frame) => frame.jpeg.equals(screenJpeg)), {
      what: 'the screen frame',
    });
    await waitFor(
      () => lists.some((list) => list.some((p) => p.username === 'alice' && p.presenting)),
      {
        what: 'alice shown presenting',
      },
    );
    await presenter.stop();
    await viewer.stop();

    // Membership events flow again: someone who leaves but keeps sending is no longer relayed.
    const dave = await enter('dave');
    const daveJpeg = testPatternSource(7_000, 'dave').next()!;
    await waitFor(
      () => {
        dave.video.sendFrame(daveJpeg);
        return alice.frames.some((frame) => frame.jpeg.equals(daveJpeg));
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'dave’s video at alice' },
    );
    // Dave leaves, but his client goes on sending with the token it had.
    await dave.session.leave();
    const daveFrames = (): number => alice.frames.filter((f) => f.jpeg.equals(daveJpeg)).length;
    await waitFor(() => !alice.session.participants.some((p) => p.username === 'dave'), {
      what: 'dave gone from alice’s list',
    });
    // Alice keeps getting bob's frames meanwhile: the relay serves, it just drops dave. The
    // relay hears of the leave through Redis, a moment after alice's list may have: frames of
    // dave's that beat it through are counted before the check starts.
    const bobJpeg = testPatternSource(5_000, 'bob').next()!;
    const bobFrames = (): number => alice.frames.filter((f) => f.jpeg.equals(bobJpeg)).length;
    const bothSendUntilBobHas = (count: number) =>
      waitFor(
        () => {
          dave.video.sendFrame(daveJpeg);
          bob.video.sendFrame(bobJpeg);
          return bobFrames() >= count;
        },
        { timeoutMs: 10_000, intervalMs: 100, what: `${count} of bob’s frames at alice` },
      );
    await bothSendUntilBobHas(5);
    const before = daveFrames();
    await bothSendUntilBobHas(bobFrames() + 5);
    expect(daveFrames()).toBe(before);

    // The idle sweep runs again: a client that goes silent is timed out and the room told.
    const eve = await RawFramedClient.connect(port('control'));
    await eve.join('eve', 'live');
    await waitFor(() => alice.session.participants.some((p) => p.username === 'eve'), {
      what: 'eve in the list',
    });
    await waitFor(() => !alice.session.participants.some((p) => p.username === 'eve'), {
      timeoutMs: 10_000,
      what: 'eve timed out',
    });
    expect(await eve.next(MessageType.Error, 5_000)).toMatchObject({
      code: ErrorCode.SessionExpired,
    });
    eve.close();

    // Nothing crashed.
    expect(stack.exited()).toEqual([]);
  }, 120_000);
});
