import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioClient,
  ChatMessage,
  DiscoveredServer,
  DiscoveryListener,
  FileTransferClient,
  md5OfFile,
  MeetingsClient,
  ReceivedVideoFrame,
  ScreenFrame,
  ScreenShareClient,
  Session,
  testPatternSource,
  VideoClient,
} from '@sapora/client';
import { toneAmplitude, ToneSource } from '@sapora/media';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE, FileNotice } from '@sapora/protocol';
import { waitFor } from '@sapora/testing';
import { ComposeStack, runShown, SETUP_HOST } from './support/compose-stack';

/**
 * `docker compose up`, for real: the host is set up (podman where no Docker engine answers),
 * base images are pulled or built as stand-ins, the one Sapora image is built, the stack starts
 * and every service reports itself healthy. Then participants on this host use it only through
 * the published ports, as people on the LAN would, and `down -v` must leave nothing behind.
 */

const MEETING = 'compose-e2e';
const HOST = '127.0.0.1';
const MINUTE = 60_000;

// Building the image from nothing (base images, npm ci, Nx build) takes minutes on 2 cores.
jest.setTimeout(5 * MINUTE);

/** Resolves with the first event of `name` for which `test` holds. */
function nextEvent<T>(
  emitter: EventEmitter,
  name: string,
  test: (value: T) => boolean,
  what: string,
  timeoutMs = MINUTE,
  context: () => string = () => '',
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context()}`));
    }, timeoutMs);
    const listener = (value: T): void => {
      if (!test(value)) return;
      clearTimeout(timer);
      emitter.off(name, listener);
      resolve(value);
    };
    emitter.on(name, listener);
  });
}

describe('the compose stack, built and run in containers', () => {
  const stack = new ComposeStack('sapora-e2e');
  const closers: Array<() => unknown> = [];
  let dir: string;
  let alice: Session;
  let bob: Session;
  let downDone = false;

  const joinMeeting = async (username: string): Promise<Session> => {
    const session = new Session({
      host: HOST,
      port: stack.ports.control,
      username,
      meetingId: MEETING,
      // The default connect timeout (5 s) matters: while podman restarts a container, a
      // connection attempt to its published port can hang (SYNs are dropped, not refused), and
      // one hanging for the whole idle timeout (15 s) would let the session end.
    });
    // What happened to the session, for a failure to tell.
    const journal: string[] = [];
    journals.set(session, journal);
    for (const event of ['closed', 'reconnecting', 'resumed', 'rejoined', 'error'] as const)
      session.on(event, (detail: unknown) =>
        journal.push(
          `${event} ${detail instanceof Error ? detail.message : JSON.stringify(detail)}`,
        ),
      );
    await session.connect();
    closers.push(() => session.leave());
    return session;
  };
  const journals = new Map<Session, string[]>();
  const journalOf = (session: Session) => (): string =>
    `; ${session.username}'s session: ${(journals.get(session) ?? []).join(' | ').slice(-2_000) || 'nothing happened'}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-compose-e2e-'));
    await runShown(SETUP_HOST, []);
    await stack.preparePorts();
    // Whatever an interrupted earlier run left of this project goes first.
    await stack.compose('down', '-v');
    await stack.compose('up');
  }, 40 * MINUTE);

  afterAll(async () => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    if (!downDone) await stack.compose('down', '-v').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 5 * MINUTE);

  it('two participants join through the published control port and chat', async () => {
    alice = await joinMeeting('alice');
    bob = await joinMeeting('bob');
    expect(bob.participants.map((p) => p.username).sort()).toEqual(['alice', 'bob']);

    const toBob = nextEvent<ChatMessage>(bob, 'chat', (m) => m.from === 'alice', 'chat at bob');
    const delivery = await alice.sendChat('all', 'hello from the compose stack');
    expect(delivery.recipients).toBe(1);
    expect((await toBob).text).toBe('hello from the compose stack');

    const toAlice = nextEvent<ChatMessage>(
      alice,
      'chat',
      (m) => m.private,
      'private chat at alice',
    );
    await bob.sendChat('alice', 'just for you');
    expect(await toAlice).toMatchObject({ from: 'bob', text: 'just for you', private: true });
  });

  it('a file reaches the other participant with its MD5 checked', async () => {
    const original = join(dir, 'agenda.bin');
    writeFileSync(original, randomBytes(3 * 1024 * 1024 + 17));
    const noticed = nextEvent<FileNotice>(
      bob,
      'file',
      (n) => n.name === 'agenda.bin',
      'file notice',
    );
    const sent = await new FileTransferClient({ session: alice, port: stack.ports.files }).upload(
      original,
      'bob',
    );
    const notice = await noticed;
    expect(notice.md5).toBe(sent.md5);

    const saved = join(dir, 'received.bin');
    const meta = await new FileTransferClient({ session: bob, port: stack.ports.files }).download(
      notice.fileId,
      saved,
    );
    expect(meta.md5).toBe(await md5OfFile(original));
    expect(await md5OfFile(saved)).toBe(await md5OfFile(original));
  });

  it("the mixer gives bob alice's tone, and not his own", async () => {
    const aliceAudio = new AudioClient({ session: alice, port: stack.ports.audio });
    const bobAudio = new AudioClient({ session: bob, port: stack.ports.audio });
    closers.push(
      () => aliceAudio.close(),
      () => bobAudio.close(),
    );
    const heard: Int16Array[] = [];
    bobAudio.on('mix', (frame) => heard.push(frame));
    await aliceAudio.start();
    await bobAudio.start();
    aliceAudio.startStreaming(new ToneSource(440, AUDIO_SAMPLE_RATE, AUDIO_FRAME_SAMPLES));
    bobAudio.startStreaming(new ToneSource(660, AUDIO_SAMPLE_RATE, AUDIO_FRAME_SAMPLES));

    // The last second bob heard, once it is a second long and alice is in it.
    const lastSecond = (): Int16Array | false => {
      const frames = Math.ceil(AUDIO_SAMPLE_RATE / AUDIO_FRAME_SAMPLES);
      if (heard.length < frames) return false;
      const samples = new Int16Array(frames * AUDIO_FRAME_SAMPLES);
      heard.slice(-frames).forEach((frame, i) => samples.set(frame, i * AUDIO_FRAME_SAMPLES));
      return toneAmplitude(samples, 440, AUDIO_SAMPLE_RATE) > 0.15 && samples;
    };
    const second = await waitFor(lastSecond, {
      timeoutMs: MINUTE,
      intervalMs: 100,
      what: "alice's 440 Hz in bob's mix",
    });
    expect(toneAmplitude(second, 660, AUDIO_SAMPLE_RATE)).toBeLessThan(0.02);
    // Sealed, through the OpenSSL binding the image's build compiled (not node:crypto's).
    expect(alice.mediaKey).toBeDefined();
    expect(await stack.logs('audio')).toMatch(/media sealed through openssl/);
    aliceAudio.close();
    bobAudio.close();
  });

  it('a video frame reaches the other participant byte for byte', async () => {
    const aliceVideo = new VideoClient({ session: alice, port: stack.ports.video });
    const bobVideo = new VideoClient({ session: bob, port: stack.ports.video });
    closers.push(
      () => aliceVideo.close(),
      () => bobVideo.close(),
    );
    await aliceVideo.start();
    await bobVideo.start();
    // Several datagrams per frame: the relay must forward every fragment.
    const frame = testPatternSource(30_000, 'compose').next()!;
    const arrived = nextEvent<ReceivedVideoFrame>(
      bobVideo,
      'frame',
      (f) => f.participantId === alice.participantId,
      "alice's frame at bob",
    );
    // Until the relay has learnt bob's address from his keepalives, frames go nowhere.
    const resend = setInterval(() => aliceVideo.sendFrame(frame), 200);
    try {
      expect((await arrived).jpeg.equals(frame)).toBe(true);
    } finally {
      clearInterval(resend);
      aliceVideo.close();
      bobVideo.close();
    }
  });

  it("a shared screen's frame reaches the viewer byte for byte", async () => {
    const presenter = new ScreenShareClient({ session: alice, port: stack.ports.screen });
    const viewer = new ScreenShareClient({ session: bob, port: stack.ports.screen });
    closers.push(
      () => presenter.stop(),
      () => viewer.stop(),
    );
    await presenter.present();
    const image = testPatternSource(80_000, 'screen').next()!;
    const shown = nextEvent<ScreenFrame>(viewer, 'frame', () => true, 'a screen frame at bob');
    const state = await viewer.view();
    expect(state.presenterId).toBe(alice.participantId);
    expect(presenter.push(image)).toBe(true);
    expect((await shown).jpeg.equals(image)).toBe(true);
    await presenter.stop();
    await viewer.stop();
  });

  it("discovery's announcement is heard on this host and leads to the server", async () => {
    const listener = new DiscoveryListener({ port: stack.ports.discovery });
    closers.push(() => listener.close());
    const heard = nextEvent<DiscoveredServer>(
      listener,
      'server',
      (s) => s.name === stack.serverName,
      `an announcement of "${stack.serverName}"`,
    );
    await listener.start();
    const server = await heard;
    listener.close();
    expect(server.controlPort).toBe(stack.ports.control);
    // Where it says control is (this host's LAN address), a participant can join.
    const carol = new Session({
      host: server.controlHost,
      port: server.controlPort,
      username: 'carol',
      meetingId: MEETING,
    });
    const joined = await carol.connect();
    expect(joined.participants.map((p) => p.username).sort()).toEqual(['alice', 'bob', 'carol']);
    await carol.leave();
  });

  it('a restarted control container: its clients resume their sessions', async () => {
    const before = [alice.participantId, bob.participantId];
    const resumed = Promise.all(
      [alice, bob].map((s) =>
        nextEvent(s, 'resumed', () => true, `${s.username} to resume`, 2 * MINUTE, journalOf(s)),
      ),
    );
    await stack.compose('restart', 'control');
    await resumed;
    expect([alice.participantId, bob.participantId]).toEqual(before);

    const toBob = nextEvent<ChatMessage>(
      bob,
      'chat',
      (m) => m.text === 'still here',
      'chat after resume',
    );
    await alice.sendChat('all', 'still here');
    await toBob;
  });

  it('a restarted Redis keeps the room, its history and the schedule (append-only file on a volume)', async () => {
    const meetings = await MeetingsClient.connect({ host: HOST, port: stack.ports.control });
    closers.push(() => meetings.close());
    const startsAt = new Date(Date.now() + 24 * 60 * MINUTE).toISOString();
    await meetings.create({
      meetingId: 'compose-review',
      title: 'Review of the compose stack',
      startsAt,
      durationMinutes: 30,
      username: 'alice',
    });
    meetings.close();
    await alice.sendChat('all', 'written before Redis restarts');
    // appendfsync everysec: what was written a second ago is on disk.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    await stack.compose('restart', 'redis');
    // What comes back was read from the append-only file on the volume.
    expect(await stack.logs('redis')).toMatch(/DB loaded from append only file/);
    // Every service must find Redis again, by its own account.
    await stack.compose('wait');

    const dave = await joinMeeting('dave');
    expect(dave.history.map((m) => m.text)).toEqual(
      expect.arrayContaining([
        'hello from the compose stack',
        'still here',
        'written before Redis restarts',
      ]),
    );
    expect(dave.participants.map((p) => p.username).sort()).toEqual(['alice', 'bob', 'dave']);
    const after = await MeetingsClient.connect({ host: HOST, port: stack.ports.control });
    closers.push(() => after.close());
    expect(await after.list()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          meetingId: 'compose-review',
          title: 'Review of the compose stack',
        }),
      ]),
    );
    after.close();
  });

  it('down -v leaves no container, volume or network of the project', async () => {
    for (const close of closers.splice(0).reverse())
      await Promise.resolve(close()).catch(() => undefined);
    downDone = true;
    await stack.compose('down', '-v');
    expect(await stack.leftovers()).toEqual([]);
  });
});
