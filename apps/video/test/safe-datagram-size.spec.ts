import { ReceivedVideoFrame, Session, testPatternSource, VideoClient } from '@sapora/client';
import { MAX_DATAGRAM_PAYLOAD, videoPieceBytes } from '@sapora/protocol';
import { createLogger, RunningService } from '@sapora/service-kit';
import { ServiceStack, waitFor } from '@sapora/testing';
import { VideoConfig } from '../src/config/video-config';
import { videoService } from '../src/video-service';

describe('video on a network that drops IP fragments: VIDEO_DATAGRAM_BYTES=1200', () => {
  const stack = new ServiceStack();
  let video: RunningService<VideoConfig>;
  const sessions: Session[] = [];
  const clients: VideoClient[] = [];

  beforeAll(async () => {
    await stack.start(['control'], { VIDEO_DATAGRAM_BYTES: String(MAX_DATAGRAM_PAYLOAD) });
    video = await videoService.start(
      { REDIS_URL: stack.redisUrl, VIDEO_HOST: '127.0.0.1', VIDEO_PORT: '0', NODE_ENV: 'test' },
      { logger: createLogger('video', { level: 'silent', nodeEnv: 'test' }) },
    );
  }, 60_000);

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(sessions.map((session) => session.leave()));
    await video.app.close();
    await stack.stop();
  });

  it('has every client cut its frames to 1200-byte datagrams, and frames still arrive whole', async () => {
    const received: ReceivedVideoFrame[] = [];
    for (const username of ['Vpn', 'Wifi']) {
      const session = new Session({
        host: '127.0.0.1',
        port: stack.ports.get('control')!,
        username,
        meetingId: 'safe',
      });
      await session.connect();
      sessions.push(session);
      const client = new VideoClient({
        session,
        host: '127.0.0.1',
        port: video.address.port,
        keepaliveMs: 100,
        reassemblyTimeoutMs: 10_000,
      });
      await client.start();
      client.on('frame', (frame) => received.push(frame));
      clients.push(client);
    }
    const [sender] = clients;
    expect(sessions[0].joinInfo?.videoDatagramBytes).toBe(1200);
    expect(sender.datagramBytes).toBe(1200);
    // Until the relay knows where the viewer listens, frames may go nowhere: send until one lands.
    const sent: Buffer[] = [];
    await waitFor(
      () => {
        if (received.some((got) => sent.some((frame) => got.jpeg.equals(frame)))) return true;
        const frame = testPatternSource(30_000, `safe-${sent.length}`).next()!;
        const before = sender.stats.datagramsSent;
        sender.sendFrame(frame);
        sent.push(frame);
        expect(sender.stats.datagramsSent - before).toBe(
          Math.ceil(frame.length / videoPieceBytes(1200)),
        );
        return false;
      },
      { intervalMs: 200, what: 'a 30 KB frame in 1200-byte pieces, whole at the viewer' },
    );
    expect(received.every((got) => got.participantId === sessions[0].participantId)).toBe(true);
  }, 60_000);
});
