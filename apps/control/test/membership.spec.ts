import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MicroserviceOptions } from '@nestjs/microservices';
import {
  EventPatterns,
  MembershipEvent,
  RedisKeys,
  redisTransportOptions,
} from '@sapora/coordination';
import { ErrorCode, MessageType } from '@sapora/protocol';
import { InProcessService, RawFramedClient, startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { ControlApp, FAST_TIMINGS, startControl } from './support/control-harness';

const heard: MembershipEvent[] = [];

/** Subscribes the way a media service does: NestJS Redis transport, @EventPattern. */
@Controller()
class MembershipListener {
  @EventPattern(EventPatterns.membership)
  onMembership(event: MembershipEvent): void {
    heard.push(event);
  }
}

@Module({ controllers: [MembershipListener] })
class ListenerModule {}

describe('control service: membership, time-outs and clean-up', () => {
  let redisServer: TestRedis;
  let redis: Redis;
  let control: InProcessService<ControlApp>;
  let listener: Awaited<ReturnType<typeof NestFactory.createMicroservice>>;
  const heartbeatMs = Number(FAST_TIMINGS.HEARTBEAT_INTERVAL_MS);

  beforeAll(async () => {
    redisServer = await startRedis();
    redis = new Redis(redisServer.url);
    control = await startControl(redisServer.url);
    listener = await NestFactory.createMicroservice<MicroserviceOptions>(ListenerModule, {
      ...redisTransportOptions(redisServer.url),
      logger: false,
    });
    await listener.listen();
  });

  afterAll(async () => {
    await listener.close();
    await control.stop();
    redis.disconnect();
    await redisServer.stop();
  });

  beforeEach(() => {
    heard.length = 0;
  });

  it('publishes joined and left, and pushes the new list to the room', async () => {
    const ann = await RawFramedClient.connect(control.port);
    ann.startHeartbeats(heartbeatMs);
    const joined = await ann.join('Ann', 'events');
    const ben = await RawFramedClient.connect(control.port);
    ben.startHeartbeats(heartbeatMs);
    await ben.join('Ben', 'events');

    const event = await waitFor(
      () => heard.find((e) => e.kind === 'joined' && e.username === 'Ben'),
      { what: 'joined event' },
    );
    expect(event.meetingId).toBe('events');
    expect(event.token).toMatch(/^[0-9a-f]{32}$/);
    const lists = await waitFor(
      () => ann.received.filter((f) => f.type === MessageType.UserList).length >= 2 && ann.received,
      { what: 'two user lists for Ann' },
    );
    const latest = lists.filter((f) => f.type === MessageType.UserList).at(-1)!.payload as {
      participants: { username: string; ip: string }[];
    };
    expect(latest.participants.map((p) => [p.username, p.ip])).toEqual([
      ['Ann', '127.0.0.1'],
      ['Ben', '127.0.0.1'],
    ]);

    ben.send(MessageType.Disconnect, { reason: 'bye' });
    await ben.closed;
    const left = await waitFor(() => heard.find((e) => e.kind === 'left'), { what: 'left event' });
    expect(left.username).toBe('Ben');
    await waitFor(
      () => {
        const lastList = ann.received.filter((f) => f.type === MessageType.UserList).at(-1)
          ?.payload as { participants: { username: string }[] } | undefined;
        return lastList?.participants.length === 1;
      },
      { what: 'list without Ben' },
    );
    ann.send(MessageType.Disconnect);
    await ann.closed;
    expect(joined.participantId).toMatch(/[0-9a-f-]{36}/);
  });

  it('removes a client that stops heartbeating within the idle timeout, and tells the others', async () => {
    const stays = await RawFramedClient.connect(control.port);
    stays.startHeartbeats(heartbeatMs);
    await stays.join('stays', 'timeouts');
    const silent = await RawFramedClient.connect(control.port);
    await silent.join('silent', 'timeouts');
    const startedAt = Date.now();

    const error = await silent.next(MessageType.Error, 5_000);
    expect(error).toMatchObject({ code: ErrorCode.SessionExpired, fatal: true });
    await silent.closed;
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(Number(FAST_TIMINGS.IDLE_TIMEOUT_MS) - 50);

    const event = await waitFor(() => heard.find((e) => e.kind === 'timed_out'), {
      what: 'timed_out event',
    });
    expect(event.username).toBe('silent');
    await waitFor(
      () => {
        const lastList = stays.received.filter((f) => f.type === MessageType.UserList).at(-1)
          ?.payload as { participants: { username: string }[] } | undefined;
        return lastList?.participants.map((p) => p.username).join() === 'stays';
      },
      { what: 'list without the silent client' },
    );
    stays.close();
  });

  it('cleans up an empty room: members, names, passcode and chat history are gone', async () => {
    const first = await RawFramedClient.connect(control.port);
    first.startHeartbeats(heartbeatMs);
    await first.join('owner', 'secret-room', 'hunter2');
    first.send(MessageType.ChatSend, { to: 'all', text: 'remember me?' });
    await first.next(MessageType.ChatDelivery);

    const intruder = await RawFramedClient.connect(control.port);
    intruder.send(MessageType.Register, {
      username: 'intruder',
      meetingId: 'secret-room',
      passcode: 'guess',
    });
    expect(await intruder.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.WrongPasscode,
      fatal: false,
    });
    intruder.close();

    expect(
      await redis.exists(RedisKeys.roomChat('secret-room'), RedisKeys.roomPasscode('secret-room')),
    ).toBe(2);
    first.send(MessageType.Disconnect);
    await first.closed;
    await waitFor(async () => (await redis.exists(RedisKeys.roomMembers('secret-room'))) === 0, {
      what: 'room cleanup',
    });
    expect(
      await redis.exists(
        RedisKeys.roomNames('secret-room'),
        RedisKeys.roomPasscode('secret-room'),
        RedisKeys.roomChat('secret-room'),
      ),
    ).toBe(0);
    expect(await redis.sismember(RedisKeys.rooms, 'secret-room')).toBe(0);

    // A new first participant sets a new passcode, and sees none of the old history.
    const next = await RawFramedClient.connect(control.port);
    const joined = await next.join('newcomer', 'secret-room', 'other');
    expect(joined.history).toEqual([]);
    next.send(MessageType.Disconnect);
    await next.closed;
  });
});
