import { createSocket } from 'node:dgram';
import { ReceivedVideoFrame, Session, testPatternSource, VideoClient } from '@sapora/client';
import { encodeVideoFragment } from '@sapora/protocol';
import { createLogger } from '@sapora/service-kit';
import { LossyProxy, ServiceStack, waitFor } from '@sapora/testing';
import { createVideoApp, VideoApp } from '../src/create-video-app';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('video service: relaying fragments over real UDP', () => {
  const stack = new ServiceStack();
  let controlPort: number;
  let video: VideoApp;
  const opened: Array<{ session: Session; client: VideoClient }> = [];

  async function join(username: string, meetingId: string, port = video.address.port) {
    const session = new Session({ host: '127.0.0.1', port: controlPort, username, meetingId });
    await session.connect();
    const client = new VideoClient({ session, host: '127.0.0.1', port, keepaliveMs: 100 });
    await client.start();
    const received: ReceivedVideoFrame[] = [];
    client.on('frame', (frame) => received.push(frame));
    opened.push({ session, client });
    return { session, client, received };
  }

  beforeAll(async () => {
    await stack.start(['control'], { HEARTBEAT_INTERVAL_MS: '200', IDLE_TIMEOUT_MS: '1500' });
    controlPort = stack.ports.get('control')!;
    video = await createVideoApp(
      { REDIS_URL: stack.redisUrl, VIDEO_HOST: '127.0.0.1', VIDEO_PORT: '0', NODE_ENV: 'test' },
      { logger: createLogger('video', { level: 'silent', nodeEnv: 'test' }) },
    );
  }, 20_000);

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
    const outsider = await join('Dee', 'elsewhere');
    await sleep(300);
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
      await sleep(100);
    }
    await waitFor(() => people.every((p) => p.received.length === 10), {
      what: 'ten frames at each',
      timeoutMs: 5_000,
    });
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
    expect(outsider.received).toEqual([]);
  }, 15_000);

  it('delivers complete frames intact through lost, reordered and duplicated fragments, in order, dropping the incomplete', async () => {
    const proxy = await LossyProxy.start(video.address.port, {
      reorderEvery: 4,
      duplicateEvery: 6,
      dropEvery: 23,
    });
    const sender = await join('Lossy', 'lossy-room', proxy.port);
    const viewer = await join('Viewer', 'lossy-room');
    await sleep(300);
    const frames = Array.from({ length: 30 }, (_, i) =>
      testPatternSource(12_000 + i * 97, `f${i}`).next()!,
    );
    for (const frame of frames) {
      sender.client.sendFrame(frame);
      await sleep(15);
    }
    await sleep(600);
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
    await proxy.close();
  }, 15_000);

  it('relays nothing that lacks a live token', async () => {
    const viewer = await join('Guard', 'tokens');
    const gone = await join('Gone', 'tokens');
    const stale = Buffer.from(gone.session.sessionToken!);
    gone.client.close();
    await gone.session.leave();
    await sleep(300);
    const before = video.relay.stats;
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
    await sleep(300);
    socket.close();
    expect(viewer.received).toEqual([]);
    expect(video.relay.stats.unauthenticated - before.unauthenticated).toBe(40);
    expect(video.relay.stats.relayed).toBe(before.relayed);
  });

  it('stops sending a paused sender to the viewer who paused them', async () => {
    const talker = await join('Talker', 'pause');
    const viewer = await join('Watcher', 'pause');
    await sleep(300);
    talker.client.sendFrame(testPatternSource(5_000).next()!);
    await waitFor(() => viewer.received.length === 1, { what: 'the first frame' });
    viewer.client.setPaused(talker.session.participantId!, true);
    await sleep(400);
    talker.client.sendFrame(testPatternSource(5_000).next()!);
    await sleep(300);
    expect(viewer.received.length).toBe(1);
    viewer.client.setPaused(talker.session.participantId!, false);
    await sleep(200);
    talker.client.sendFrame(testPatternSource(5_000, 'again').next()!);
    await waitFor(() => viewer.received.length === 2, { what: 'frames again after unpausing' });
  });

  it('stops sending to a participant within one heartbeat of their leaving', async () => {
    const stays = await join('Stays', 'goodbye');
    const leaves = await join('Leaves', 'goodbye');
    await sleep(300);
    stays.client.sendFrame(testPatternSource(3_000).next()!);
    await waitFor(() => leaves.received.length === 1, { what: 'the leaver to see a frame first' });
    // Leave the meeting but keep the UDP socket (and its keepalives) going, as a broken client might.
    await leaves.session.leave();
    await sleep(500);
    stays.client.sendFrame(testPatternSource(3_000, 'after').next()!);
    await sleep(300);
    expect(leaves.received).toHaveLength(1);
  });
});
