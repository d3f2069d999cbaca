import { createSocket } from 'node:dgram';
import { ReceivedVideoFrame, Session, testPatternSource, VideoClient } from '@sapora/client';
import { isSealedDatagram } from '@sapora/protocol';
import { LossyProxy, RECORD_ONLY, ServiceStack, waitFor } from '@sapora/testing';

/**
 * Sealed video through the relay as deployed (its own process): what members who joined over
 * TLS send and receive is sealed, a fragment replayed or changed on the way reaches nobody and
 * is counted, and the relay's stats line says so.
 */
describe('video service: sealed media', () => {
  const stack = new ServiceStack();

  beforeAll(async () => {
    // Plain TCP allowed too: a room can hold sealed and plain members.
    await stack.start(['control', 'video'], {
      VIDEO_STATS_INTERVAL_MS: '200',
      SAPORA_ALLOW_PLAINTEXT: '1',
    });
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
  });

  it('relays sealed fragments, refuses replayed and changed ones, and counts them in its stats line', async () => {
    const videoPort = stack.ports.get('video')!;
    const proxy = await LossyProxy.start(videoPort, RECORD_ONLY);
    const people: Array<{ session: Session; video: VideoClient }> = [];
    try {
      const enter = async (username: string, port: number) => {
        const session = new Session({
          host: '127.0.0.1',
          port: stack.ports.get('control')!,
          username,
          meetingId: 'sealed-video',
        });
        await session.connect();
        const video = new VideoClient({ session, host: '127.0.0.1', port, keepaliveMs: 100 });
        await video.start();
        people.push({ session, video });
        return { session, video };
      };
      const sender = await enter('cam', proxy.port);
      const viewer = await enter('eye', videoPort);
      const frames: ReceivedVideoFrame[] = [];
      viewer.video.on('frame', (frame) => frames.push(frame));
      const jpeg = testPatternSource(30_000, 'cam').next()!;
      await waitFor(
        () => {
          sender.video.sendFrame(jpeg);
          return frames.some((frame) => frame.jpeg.equals(jpeg));
        },
        { intervalMs: 200, what: 'the frame at the viewer' },
      );
      const got = frames.find((frame) => frame.jpeg.equals(jpeg))!;
      expect(got.participantId).toBe(sender.session.participantId);
      const fragments = proxy.fromClient.filter((datagram) => datagram[1] === 3);
      expect(fragments.length).toBeGreaterThan(0);
      expect(fragments.every(isSealedDatagram)).toBe(true);

      const statsLines = (): Array<{ unauthenticated: number; relayed: number }> =>
        stack
          .output('video')
          .split('\n')
          .filter((line) => line.includes('"video stats"'))
          .map((line) => JSON.parse(line) as { unauthenticated: number; relayed: number });
      // The relay's figures once the frame's last copies have gone through (two lines later):
      // what it had refused (a datagram that came before it knew the session) and relayed.
      const seen = statsLines().length;
      await waitFor(() => statsLines().length >= seen + 2, { what: 'two more stats lines' });
      const before = statsLines().at(-1)!;

      // The sender's fragments again, and changed by one bit: nobody gets a frame from them.
      const changed = fragments.map((fragment) => {
        const copy = Buffer.from(fragment);
        copy[100] ^= 0x80;
        return copy;
      });
      const attacker = createSocket('udp4');
      await new Promise<void>((resolve) => attacker.bind(0, '127.0.0.1', resolve));
      for (const datagram of [...fragments, ...changed])
        await new Promise<void>((resolve) =>
          attacker.send(datagram, videoPort, '127.0.0.1', () => resolve()),
        );
      attacker.close();
      const refused = 2 * fragments.length;
      const statsLine = await waitFor(
        () =>
          statsLines().find((stats) => stats.unauthenticated >= before.unauthenticated + refused),
        { what: `a stats line counting the ${refused} refused fragments` },
      );
      expect(statsLine.unauthenticated - before.unauthenticated).toBe(refused);
      expect(statsLine.relayed).toBe(before.relayed);
      // A frame sent after them still arrives.
      const next = testPatternSource(20_000, 'cam-2').next()!;
      await waitFor(
        () => {
          sender.video.sendFrame(next);
          return frames.some((frame) => frame.jpeg.equals(next));
        },
        { intervalMs: 200, what: 'the next frame at the viewer' },
      );
    } finally {
      for (const { session, video } of people) {
        video.close();
        await session.leave();
      }
      await proxy.close();
    }
  }, 120_000);

  it('gives sealed and plain members of one room every frame, each in its own form', async () => {
    const people: Array<{ session: Session; video: VideoClient; frames: ReceivedVideoFrame[] }> =
      [];
    try {
      const enter = async (username: string, plain: boolean) => {
        const session = new Session({
          host: '127.0.0.1',
          port: stack.ports.get('control')!,
          username,
          meetingId: 'mixed-video',
          ...(plain ? { trust: { insecure: true, onInsecureConnection: () => undefined } } : {}),
        });
        await session.connect();
        expect(session.mediaKey === undefined).toBe(plain);
        const video = new VideoClient({
          session,
          host: '127.0.0.1',
          port: stack.ports.get('video')!,
          keepaliveMs: 100,
        });
        const frames: ReceivedVideoFrame[] = [];
        video.on('frame', (frame) => frames.push(frame));
        await video.start();
        const person = { session, video, frames };
        people.push(person);
        return person;
      };
      const sealedSender = await enter('cam', false);
      const sealedViewer = await enter('eye', false);
      const plainMember = await enter('old', true);
      // From a sealed member: opened and sealed again where it arrived, the plain copy first.
      // From the plain one: sealed apart for the others.
      for (const [sender, receivers] of [
        [sealedSender, [sealedViewer, plainMember]],
        [plainMember, [sealedSender, sealedViewer]],
      ] as const) {
        const jpeg = testPatternSource(40_000, sender.session.username).next()!;
        await waitFor(
          () => {
            sender.video.sendFrame(jpeg);
            return receivers.every((receiver) =>
              receiver.frames.some(
                (frame) =>
                  frame.jpeg.equals(jpeg) && frame.participantId === sender.session.participantId,
              ),
            );
          },
          { intervalMs: 200, what: `${sender.session.username}'s frame at both others` },
        );
      }
    } finally {
      for (const { session, video } of people) {
        video.close();
        await session.leave();
      }
    }
  }, 120_000);
});
