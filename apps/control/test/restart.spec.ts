import { ErrorCode, MessageType } from '@sapora/protocol';
import { InProcessService, RawFramedClient, startRedis, TestRedis } from '@sapora/testing';
import { ControlApp, FAST_TIMINGS, startControl } from './support/control-harness';

describe('control service: restart', () => {
  let redis: TestRedis;
  let control: InProcessService<ControlApp>;
  const heartbeatMs = Number(FAST_TIMINGS.HEARTBEAT_INTERVAL_MS);

  beforeAll(async () => {
    redis = await startRedis();
    control = await startControl(redis.url, { IDLE_TIMEOUT_MS: '3000' });
  });

  afterAll(async () => {
    await control.stop();
    await redis.stop();
  });

  it('tells clients it is going, keeps their sessions, and lets them resume their place', async () => {
    const ann = await RawFramedClient.connect(control.port);
    ann.startHeartbeats(heartbeatMs);
    const annJoined = await ann.join('Ann', 'restart');
    const ben = await RawFramedClient.connect(control.port);
    ben.startHeartbeats(heartbeatMs);
    const benJoined = await ben.join('Ben', 'restart');
    ann.send(MessageType.ChatSend, { to: 'all', text: 'before the restart' });
    await ann.next(MessageType.ChatDelivery);

    const stopping = control.stop();
    expect(await ann.next(MessageType.Disconnect)).toEqual({
      reason: 'server shutting down',
      retry: true,
      code: ErrorCode.Unspecified,
    });
    expect(await ben.next(MessageType.Disconnect)).toEqual({
      reason: 'server shutting down',
      retry: true,
      code: ErrorCode.Unspecified,
    });
    await Promise.all([ann.closed, ben.closed, stopping]);
    ann.close();
    ben.close();

    await control.restart();
    const annAgain = await RawFramedClient.connect(control.port);
    annAgain.send(MessageType.Register, {
      username: 'ann',
      meetingId: 'restart',
      resumeToken: annJoined.sessionToken,
    });
    const resumed = await annAgain.next(MessageType.Joined);
    expect(resumed).toMatchObject({
      resumed: true,
      participantId: annJoined.participantId,
      username: 'Ann',
    });
    expect(resumed.sessionToken.equals(annJoined.sessionToken)).toBe(true);
    expect(resumed.participants.participants.map((p) => p.username)).toEqual(['Ann', 'Ben']);
    expect(resumed.history.map((m) => m.text)).toEqual(['before the restart']);
    annAgain.startHeartbeats(heartbeatMs);

    const benAgain = await RawFramedClient.connect(control.port);
    benAgain.send(MessageType.Register, {
      username: 'Ben',
      meetingId: 'restart',
      resumeToken: benJoined.sessionToken,
    });
    expect(await benAgain.next(MessageType.Joined)).toMatchObject({
      resumed: true,
      participantId: benJoined.participantId,
    });
    benAgain.startHeartbeats(heartbeatMs);

    benAgain.send(MessageType.ChatSend, { to: 'ANN', text: 'welcome back' });
    expect(await annAgain.next(MessageType.ChatMessage)).toMatchObject({
      from: 'Ben',
      to: 'Ann',
      text: 'welcome back',
      private: true,
    });
    annAgain.close();
    benAgain.close();
  });

  it('refuses a token that is unknown, for another meeting, or for another name', async () => {
    const carol = await RawFramedClient.connect(control.port);
    const joined = await carol.join('Carol', 'resume-checks');
    const attempts = [
      { username: 'Carol', meetingId: 'resume-checks', resumeToken: Buffer.alloc(16, 7) },
      { username: 'Carol', meetingId: 'elsewhere', resumeToken: joined.sessionToken },
      { username: 'Mallory', meetingId: 'resume-checks', resumeToken: joined.sessionToken },
    ];
    const other = await RawFramedClient.connect(control.port);
    for (const attempt of attempts) {
      const sequence = other.send(MessageType.Register, attempt);
      expect(await other.next(MessageType.Error)).toMatchObject({
        code: ErrorCode.SessionExpired,
        requestSequence: sequence,
        fatal: false,
      });
    }
    other.close();
    carol.close();
  });
});
