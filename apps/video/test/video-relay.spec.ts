import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { ReceivedVideoFrame, Session, testPatternSource, VideoClient } from '@sapora/client';
import {
  DEFAULT_VIDEO_DATAGRAM_BYTES,
  encodeVideoFragment,
  videoPieceBytes,
} from '@sapora/protocol';
import { LiveSessionCache } from '@sapora/coordination';
import { createLogger, RunningService } from '@sapora/service-kit';
import { LossyProxy, ServiceStack, waitFor } from '@sapora/testing';
import { VideoConfig } from '../src/config/video-config';
import { VideoRelay } from '../src/server/video-relay';
import { videoService } from '../src/video-service';

type VideoApp = RunningService<VideoConfig>;

/** Probe frames say so in their first bytes, so a test can tell them from what it sends. */
const PROBE = 'probe-';
const isProbe = (jpeg: Buffer): boolean => jpeg.toString('ascii', 2, 2 + PROBE.length) === PROBE;

describe('video service: relaying fragments over real UDP', () => {
  const stack = new ServiceStack();
  let controlPort: number;
  let video: VideoApp;
  const opened: Array<{ session: Session; client: VideoClient }> = [];

  async function join(username: string, meetingId: string, port = video.address.port) {
    const session = new Session({ host: '127.0.0.1', port: controlPort, username, meetingId });
    await session.connect();
    // Reassembly is not what these tests measure: a loaded machine must not time a frame out.
    const client = new VideoClient({
      session,
      host: '127.0.0.1',
      port,
      keepaliveMs: 100,
      reassemblyTimeoutMs: 10_000,
    });
    await client.start();
    const received: ReceivedVideoFrame[] = [];
    const probes: Buffer[] = [];
    client.on('frame', (frame) => {
      if (isProbe(frame.jpeg)) probes.push(frame.jpeg);
      else received.push(frame);
    });
    opened.push({ session, client });
    return { session, client, received, probes };
  }
  type Member = Awaited<ReturnType<typeof join>>;

  let probesSent = 0;
  /**
   * Waits until the relay brings `sender`'s frames to each of `viewers` (it learns where a
   * member listens from their first datagram, and sessions from events): sends a probe frame
   * and waits for it, again with a longer wait each time, until one arrives everywhere.
   * Datagrams of one socket are handled in order, so once the newest probe has arrived,
   * nothing sent before it is still on its way.
   */
  async function untilRelayed(sender: Member, viewers: Member[]): Promise<void> {
    let patienceMs = 50;
    await waitFor(
      async () => {
        const probe = testPatternSource(1_000, `${PROBE}${++probesSent}`).next()!;
        sender.client.sendFrame(probe);
        const arrived = (): boolean =>
          viewers.every((viewer) => viewer.probes.some((got) => got.equals(probe)));
        const waited = waitFor(arrived, { timeoutMs: patienceMs, intervalMs: 5 });
        patienceMs = Math.min(2 * patienceMs, 2_000);
        return waited.then(
          () => true,
          () => false,
        );
      },
      {
        timeoutMs: 20_000,
        intervalMs: 0,
        what: `${sender.session.username}'s frames at ${viewers.map((v) => v.session.username).join(', ')}`,
      },
    );
  }

  /** Whether the relay holds this session's media token as live. */
  const knows = (member: Member): boolean =>
    video.app.get(LiveSessionCache).get(member.session.mediaToken!.toString('hex')) !== undefined;

  beforeAll(async () => {
    await stack.start(['control'], { HEARTBEAT_INTERVAL_MS: '200', IDLE_TIMEOUT_MS: '1500' });
    controlPort = stack.ports.get('control')!;
    video = await videoService.start(
      { REDIS_URL: stack.redisUrl, VIDEO_HOST: '127.0.0.1', VIDEO_PORT: '0', NODE_ENV: 'test' },
      { logger: createLogger('video', { level: 'silent', nodeEnv: 'test' }) },
    );
  }, 60_000);

  afterAll(async () => {
    for (const { session, client } of opened) {
      client.close();
      await session.leave();
    }
    await video.app.close();
    await stack.stop();
  });

  it('brings each one’s frames to the other two byte for byte, never back to the sender, never to another room', async () => {
    const people = await Promise.all(['Ann', 'Bo', 'Cy'].map((name) => join(name, 'studio')));
    const [outsider, witness] = await Promise.all([
      join('Dee', 'elsewhere'),
      join('Eve', 'elsewhere'),
    ]);
    for (const person of people)
      await untilRelayed(
        person,
        people.filter((p) => p !== person),
      );
    // The relay knows where Dee listens: a frame misrouted across rooms would reach her.
    await untilRelayed(witness, [outsider]);
    // Frames carry the sender's name from the room's list: each has heard of the other two.
    await waitFor(() => people.every((p) => p.session.participants.length === people.length), {
      what: 'everyone in the studio on everyone’s list',
    });
    const sent = new Map<string, Buffer[]>();
    for (let round = 0; round < 5; round++) {
      for (const [i, person] of people.entries()) {
        const frame = testPatternSource(
          8_000 + i * 7_000 + round * 1_111,
          person.session.username,
        ).next()!;
        sent.set(person.session.participantId!, [
          ...(sent.get(person.session.participantId!) ?? []),
          frame,
        ]);
        person.client.sendFrame(frame);
      }
      // One round at a time, so that a burst never overflows a socket buffer.
      await waitFor(() => people.every((p) => p.received.length === 2 * (round + 1)), {
        what: `round ${round + 1} at each`,
        timeoutMs: 10_000,
      });
    }
    for (const person of people) {
      expect(
        person.received.some((frame) => frame.participantId === person.session.participantId),
      ).toBe(false);
      for (const other of people.filter((p) => p !== person)) {
        const fromOther = person.received.filter(
          (frame) => frame.participantId === other.session.participantId,
        );
        expect(fromOther.map((frame) => frame.username)).toEqual(
          Array(5).fill(other.session.username),
        );
        expect(fromOther.map((frame) => frame.jpeg.toString('hex'))).toEqual(
          sent.get(other.session.participantId!)!.map((b) => b.toString('hex')),
        );
      }
    }
    // Eve's probes after the studio's frames: whatever the relay sent Dee before has arrived.
    await untilRelayed(witness, [outsider]);
    expect(outsider.received).toEqual([]);
  }, 60_000);

  it('cuts frames to the datagram size control announces, and the relay carries them whole', async () => {
    const [sender, viewer] = await Promise.all([join('Big', 'sizes'), join('Small', 'sizes')]);
    await untilRelayed(sender, [viewer]);
    expect(sender.session.joinInfo?.videoDatagramBytes).toBe(DEFAULT_VIDEO_DATAGRAM_BYTES);
    expect(sender.client.datagramBytes).toBe(DEFAULT_VIDEO_DATAGRAM_BYTES);
    const frame = testPatternSource(40_000, 'sized').next()!;
    const before = sender.client.stats.datagramsSent;
    sender.client.sendFrame(frame);
    expect(sender.client.stats.datagramsSent - before).toBe(
      Math.ceil(frame.length / videoPieceBytes(DEFAULT_VIDEO_DATAGRAM_BYTES)),
    );
    await waitFor(() => viewer.received.some((got) => got.jpeg.equals(frame)), {
      what: 'the 40 KB frame, whole',
    });
  }, 60_000);

  it('keeps relaying to everyone else while one receiver reads nothing (its socket buffer full)', async () => {
    const [sender, viewer] = await Promise.all([join('Cam', 'stuck'), join('Eye', 'stuck')]);
    const stuckSession = new Session({
      host: '127.0.0.1',
      port: controlPort,
      username: 'Frozen',
      meetingId: 'stuck',
    });
    await stuckSession.connect();
    // A receiver in its own process with a small buffer: it says hello (sealed under its
    // session's key), reports the first datagram it gets, and is then stopped (SIGSTOP), so its
    // buffer fills and stays full.
    const script = `
      const { deriveMediaKey, MediaSealer } = require('@sapora/protocol');
      const sealer = new MediaSealer(deriveMediaKey(Buffer.from(process.argv[2], 'hex'), 'video', 'up'));
      const socket = require('node:dgram').createSocket('udp4');
      socket.bind(0, '127.0.0.1', () => {
        socket.setRecvBufferSize(4096);
        const hello = Buffer.alloc(28);
        hello[0] = 1; hello[1] = 2;
        Buffer.from(process.argv[1], 'hex').copy(hello, 4);
        setInterval(() => socket.send(sealer.seal(hello), ${video.address.port}, '127.0.0.1'), 100);
      });
      socket.once('message', () => console.log('got'));`;
    const stuck = spawn(
      process.execPath,
      [
        '-e',
        script,
        stuckSession.mediaToken!.toString('hex'),
        stuckSession.mediaKey!.toString('hex'),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let heard = false;
      stuck.stdout.on('data', () => (heard = true));
      await waitFor(
        async () => {
          await untilRelayed(sender, [viewer]);
          return heard;
        },
        { what: 'the relay to send to the frozen receiver', timeoutMs: 20_000 },
      );
      stuck.kill('SIGSTOP');
      const relayed = video.app.get(VideoRelay).stats.relayed;
      const frames = Array.from({ length: 20 }, (_, i) =>
        testPatternSource(40_000 + i * 131, `stuck-${i}`).next()!,
      );
      for (const frame of frames) {
        sender.client.sendFrame(frame);
        await waitFor(() => viewer.received.some((got) => got.jpeg.equals(frame)), {
          what: 'each frame whole at the receiver that reads',
        });
      }
      // The relay sent the frozen one its share too: the kernel, not the relay, drops it.
      expect(video.app.get(VideoRelay).stats.relayed - relayed).toBeGreaterThanOrEqual(
        2 * frames.length * Math.ceil(40_000 / videoPieceBytes(DEFAULT_VIDEO_DATAGRAM_BYTES)),
      );
    } finally {
      stuck.kill('SIGKILL');
      await stuckSession.leave();
    }
  }, 60_000);

  it('delivers complete frames intact through lost, reordered and duplicated fragments, in order, dropping the incomplete', async () => {
    const proxy = await LossyProxy.start(video.address.port, {
      reorderEvery: 4,
      duplicateEvery: 6,
      dropEvery: 13,
    });
    const sender = await join('Lossy', 'lossy-room', proxy.port);
    const viewer = await join('Viewer', 'lossy-room');
    try {
      await untilRelayed(sender, [viewer]);
      // 40 KB frames: five datagrams each at the default size, so the proxy has plenty to damage.
      const frames = Array.from({ length: 30 }, (_, i) =>
        testPatternSource(40_000 + i * 97, `f${i}`).next()!,
      );
      for (const frame of frames) {
        // The next frame once the proxy has taken this one, so that the only losses are the
        // proxy's own (deterministic) ones, never a socket buffer overflowing.
        const taken = proxy.stats.received;
        const sent = sender.client.stats.datagramsSent;
        sender.client.sendFrame(frame);
        const fragments = sender.client.stats.datagramsSent - sent;
        await waitFor(() => proxy.stats.received - taken >= fragments, {
          what: 'the proxy to take the frame',
          timeoutMs: 10_000,
        });
      }
      // A probe after the last frame: once it is through, every fragment before it has been.
      await untilRelayed(sender, [viewer]);
      const got = viewer.received.map((frame) => frame.jpeg.toString('hex'));
      const expected = frames.map((frame) => frame.toString('hex'));
      expect(proxy.stats.dropped).toBeGreaterThan(5);
      expect(got.length).toBeGreaterThan(5);
      expect(got.length).toBeLessThan(frames.length);
      // Every frame that arrived is one that was sent, whole, and they come in the order sent.
      const positions = got.map((hex) => expected.indexOf(hex));
      expect(positions.every((position) => position >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(positions).size).toBe(positions.length);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('relays nothing that lacks a live token', async () => {
    const viewer = await join('Guard', 'tokens');
    const gone = await join('Gone', 'tokens');
    // Gone's token was live at the relay (and the relay knows where Guard listens).
    await untilRelayed(gone, [viewer]);
    const stale = Buffer.from(gone.session.mediaToken!);
    gone.client.close();
    await gone.session.leave();
    await waitFor(() => !knows(gone), { what: 'the relay to drop Gone', timeoutMs: 10_000 });
    const before = video.app.get(VideoRelay).stats;
    const socket = createSocket('udp4');
    for (const token of [Buffer.alloc(16, 9), stale]) {
      for (let i = 0; i < 20; i++) {
        socket.send(
          encodeVideoFragment(token, i, 0, {
            frameId: i + 1,
            index: 0,
            count: 1,
            piece: Buffer.from('forged'),
          }),
          video.address.port,
          '127.0.0.1',
        );
      }
    }
    await waitFor(
      () => video.app.get(VideoRelay).stats.unauthenticated - before.unauthenticated >= 40,
      { what: 'the relay to refuse the 40 forged fragments', timeoutMs: 10_000 },
    ).finally(() => socket.close());
    expect(viewer.received).toEqual([]);
    expect(video.app.get(VideoRelay).stats.unauthenticated - before.unauthenticated).toBe(40);
    expect(video.app.get(VideoRelay).stats.relayed).toBe(before.relayed);
  }, 30_000);

  it('stops sending a paused sender to the viewer who paused them', async () => {
    const talker = await join('Talker', 'pause');
    const viewer = await join('Watcher', 'pause');
    const other = await join('Other', 'pause');
    await untilRelayed(talker, [viewer, other]);
    await untilRelayed(other, [viewer]);
    talker.client.sendFrame(testPatternSource(5_000).next()!);
    await waitFor(() => viewer.received.length === 1, { what: 'the first frame' });
    viewer.client.setPaused(talker.session.participantId!, true);
    // The viewer's socket sent the pause first: once its probe is through, the pause is too.
    await untilRelayed(viewer, [talker]);
    talker.client.sendFrame(testPatternSource(5_000).next()!);
    // Sent after the talker's frame, Other's probe arrives after anything the relay sent of it.
    await untilRelayed(other, [viewer]);
    expect(viewer.received.length).toBe(1);
    viewer.client.setPaused(talker.session.participantId!, false);
    await untilRelayed(viewer, [talker]);
    talker.client.sendFrame(testPatternSource(5_000, 'again').next()!);
    await waitFor(() => viewer.received.length === 2, { what: 'frames again after unpausing' });
  }, 60_000);

  it('stops sending to a participant once they leave', async () => {
    const stays = await join('Stays', 'goodbye');
    const leaves = await join('Leaves', 'goodbye');
    const witness = await join('Witness', 'goodbye');
    await untilRelayed(stays, [leaves, witness]);
    stays.client.sendFrame(testPatternSource(3_000).next()!);
    await waitFor(() => leaves.received.length === 1, { what: 'the leaver to see a frame first' });
    // Leave the meeting but keep the UDP socket (and its keepalives) going, as a broken client might.
    await leaves.session.leave();
    await waitFor(() => !knows(leaves), {
      what: 'the relay to drop the leaver',
      timeoutMs: 10_000,
    });
    const before = video.app.get(VideoRelay).stats.relayed;
    const sentBefore = stays.client.stats.datagramsSent;
    stays.client.sendFrame(testPatternSource(3_000, 'after').next()!);
    await waitFor(() => witness.received.length === 2, { what: 'the frame at the witness' });
    // Each fragment went to the witness alone.
    expect(video.app.get(VideoRelay).stats.relayed - before).toBe(
      stays.client.stats.datagramsSent - sentBefore,
    );
    expect(leaves.received).toHaveLength(1);
  }, 30_000);
});
