import { NodeRegistry } from '@sapora/coordination';
import { ErrorCode, MediaKind, SaporaError, Session } from '@sapora/client';
import { InProcessService, startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { ControlApp, startControl } from './support/control-harness';

/**
 * A node's capacity seen from a client: one audio node that takes two participants (registered
 * the way a media service registers), and joins past it.
 */
describe('control service: joins that need media when the nodes are full', () => {
  let redisServer: TestRedis;
  let redis: Redis;
  let control: InProcessService<ControlApp>;
  let node: NodeRegistry;
  const sessions: Session[] = [];

  const join = async (username: string, meetingId: string, media: MediaKind[]) => {
    const session = new Session({
      host: '127.0.0.1',
      port: control.port,
      username,
      meetingId,
      media,
    });
    sessions.push(session);
    await session.connect();
    return session;
  };

  beforeAll(async () => {
    redisServer = await startRedis();
    redis = new Redis(redisServer.url);
    // The usual timings: on a loaded machine the test's quick ones would time sessions out.
    control = await startControl(redisServer.url, {
      HEARTBEAT_INTERVAL_MS: '3000',
      IDLE_TIMEOUT_MS: '15000',
      SWEEP_INTERVAL_MS: '1000',
    });
    node = new NodeRegistry(
      redis,
      { kind: 'audio', host: '127.0.0.1', port: 16001, capacity: 2 },
      () => ({ rooms: 0, participants: 0, cpuPercent: 0 }),
      (error) => {
        throw error;
      },
    );
    await node.start();
  });

  afterAll(async () => {
    sessions.forEach((session) => session.close());
    await node.stop();
    await control.stop();
    redis.disconnect();
    await redisServer.stop();
  });

  it('refuses with NO_CAPACITY naming the kind, lets in who needs no media, and admits again once a seat frees', async () => {
    const first = await join('ann', 'full', ['audio']);
    await join('bob', 'full', ['audio']);
    expect(first.endpoint('audio')).toEqual({ kind: 'audio', host: '127.0.0.1', port: 16001 });

    // The room's node is full.
    const third = await join('cy', 'full', ['audio']).catch((error: unknown) => error);
    expect(third).toBeInstanceOf(SaporaError);
    expect(third).toMatchObject({
      code: ErrorCode.NoCapacity,
      message: expect.stringMatching(/audio server .* is full/),
    });
    // A new room finds every node full.
    const elsewhere = await join('dee', 'other', ['audio']).catch((error: unknown) => error);
    expect(elsewhere).toMatchObject({
      code: ErrorCode.NoCapacity,
      message: expect.stringMatching(/every audio server is full/),
    });
    // Someone who needs no audio (a chat-only client) is not refused.
    const chatOnly = await join('eve', 'chat', []);
    // (Her room is placed on the node once it has room, and its members count then: she goes.)
    await chatOnly.leave();

    // Ann leaves: her seat is free again.
    await first.leave();
    await waitFor(
      async () => {
        try {
          await join('dee', 'other', ['audio']);
          return true;
        } catch (error) {
          if ((error as SaporaError).code !== ErrorCode.NoCapacity) throw error;
          return false;
        }
      },
      { what: 'a seat on the audio node once ann left' },
    );
  });
});
