import { ReceivedVideoFrame, Session, testPatternSource, VideoClient } from '@sapora/client';
import { createLogger, RunningService } from '@sapora/service-kit';
import { describeBadDatagrams, ServiceStack, waitFor } from '@sapora/testing';
import { VideoConfig } from '../src/config/video-config';
import { VideoRelay } from '../src/server/video-relay';
import { videoService } from '../src/video-service';

describe('video service: hostile datagrams', () => {
  const stack = new ServiceStack();
  let video: RunningService<VideoConfig>;
  const opened: Array<{ session: Session; client: VideoClient }> = [];

  beforeAll(async () => {
    await stack.start(['control']);
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

  async function join(username: string, meetingId: string) {
    const session = new Session({
      host: '127.0.0.1',
      port: stack.ports.get('control')!,
      username,
      meetingId,
    });
    await session.connect();
    const client = new VideoClient({
      session,
      host: '127.0.0.1',
      port: video.address.port,
      keepaliveMs: 100,
    });
    await client.start();
    const received: ReceivedVideoFrame[] = [];
    client.on('frame', (frame) => received.push(frame));
    opened.push({ session, client });
    return { session, client, received };
  }

  let served = 0;
  /** Good clients after every attack: a frame goes from one to the other byte for byte. */
  async function relaysAFrame(): Promise<void> {
    const room = `good-${++served}`;
    const sender = await join('sender', room);
    const viewer = await join('viewer', room);
    const frame = testPatternSource(12_000, 'sender').next()!;
    // Until the relay has learnt the viewer's address (its keepalive), a frame may find no one.
    const got = await waitFor(
      () => {
        sender.client.sendFrame(frame);
        return viewer.received.find((received) => received.jpeg.equals(frame));
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'the frame at the viewer' },
    );
    // Whole, byte for byte, and named as the sender's (the relay wrote their id over the token).
    expect(got.jpeg.length).toBe(frame.length);
    expect(got.participantId).toBe(sender.session.participantId);
    // The sender is not sent their own frame back.
    expect(sender.received.some((received) => received.jpeg.equals(frame))).toBe(false);
  }

  describeBadDatagrams('video', {
    port: () => video.address.port,
    stats: () => video.app.get(VideoRelay).stats,
    servesGoodClient: relaysAFrame,
  });
});
