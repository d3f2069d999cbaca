import { createHash, randomBytes } from 'node:crypto';
import { MeetingReminder, MeetingsClient, Session } from '@sapora/client';
import { RedisKeys } from '@sapora/coordination';
import { ErrorCode, MessageType } from '@sapora/protocol';
import { InProcessService, RawFramedClient, startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { ControlApp, FAST_TIMINGS, startControl } from './support/control-harness';

const HOUR = 3_600_000;
/** Shortened so "soon" and "start" both arrive within seconds. */
const LEAD_MS = 1_000;

/** An instant `aheadMs` from now, written in the given offset, to the second. */
function timeIn(aheadMs: number, offset: string): { text: string; ms: number } {
  const ms = Math.floor((Date.now() + aheadMs) / 1_000) * 1_000;
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hours, minutes] = offset.slice(1).split(':').map(Number);
  const shift = sign * (hours * 60 + minutes) * 60_000;
  return { text: `${new Date(ms + shift).toISOString().slice(0, 19)}${offset}`, ms };
}

const isoAt = (ms: number): string => new Date(ms).toISOString();

describe('control service: meeting scheduler', () => {
  let redisServer: TestRedis;
  let redis: Redis;
  let control: InProcessService<ControlApp>;
  const open: { close(): void }[] = [];

  const meetingsClient = async (): Promise<MeetingsClient> => {
    const client = await MeetingsClient.connect({ host: '127.0.0.1', port: control.port });
    open.push(client);
    return client;
  };
  const rawClient = async (): Promise<RawFramedClient> => {
    const client = await RawFramedClient.connect(control.port);
    open.push(client);
    return client;
  };
  const listedIds = async (client: RawFramedClient, ids: string[]): Promise<string[]> => {
    client.send(MessageType.MeetingsList);
    const { meetings } = await client.next(MessageType.Meetings);
    return meetings.map((m) => m.meetingId).filter((id) => ids.includes(id));
  };

  beforeAll(async () => {
    redisServer = await startRedis();
    redis = new Redis(redisServer.url);
    control = await startControl(redisServer.url, {
      MEETING_REMINDER_LEAD_MS: String(LEAD_MS),
      IDLE_TIMEOUT_MS: '3000',
    });
  });

  afterEach(() => {
    open.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    await control.stop();
    redis.disconnect();
    await redisServer.stop();
  });

  it('lets anyone list and plan before joining; only the creator changes or deletes', async () => {
    const ann = await meetingsClient();
    const inAnHour = timeIn(HOUR, '+01:00');
    const { meeting, ownerToken } = await ann.create({
      meetingId: 'standup',
      title: '  Daily standup ',
      startsAt: inAnHour.text,
      durationMinutes: 30,
      username: 'Ann',
    });
    expect(meeting).toEqual({
      meetingId: 'standup',
      title: 'Daily standup',
      startsAt: inAnHour.text,
      startMs: inAnHour.ms,
      durationMinutes: 30,
      createdBy: 'Ann',
      createdAtMs: expect.any(Number),
    });
    expect(ownerToken).toHaveLength(16);
    const stored = await redis.get(RedisKeys.scheduledMeeting('standup'));
    expect(stored).toContain(createHash('sha256').update(ownerToken).digest('hex'));
    expect(stored).not.toContain(ownerToken.toString('hex'));

    // A joined connection's own name is the creator, whatever the request says.
    const carl = await rawClient();
    carl.startHeartbeats(Number(FAST_TIMINGS.HEARTBEAT_INTERVAL_MS));
    await carl.join('Carl', 'lobby');
    carl.send(MessageType.MeetingCreate, {
      meetingId: 'retro',
      title: 'Retro',
      startsAt: timeIn(2 * HOUR, '+00:00').text,
      durationMinutes: 60,
      username: 'Mallory',
    });
    const retro = await carl.next(MessageType.MeetingSaved);
    expect(retro.meeting).toMatchObject({ meetingId: 'retro', createdBy: 'Carl' });

    const ben = await rawClient();
    expect(await listedIds(ben, ['standup', 'retro'])).toEqual(['standup', 'retro']);

    const later = timeIn(3 * HOUR, '-05:00');
    const moved = await ann.update('standup', ownerToken, {
      startsAt: later.text,
      title: 'Standup (moved)',
    });
    expect(moved).toEqual({
      ...meeting,
      title: 'Standup (moved)',
      startsAt: later.text,
      startMs: later.ms,
    });
    expect(await listedIds(ben, ['standup', 'retro'])).toEqual(['retro', 'standup']);

    const mallory = await meetingsClient();
    await expect(
      mallory.update('standup', randomBytes(16), { title: 'Hijacked' }),
    ).rejects.toMatchObject({
      code: ErrorCode.NotAllowed,
      message: expect.stringContaining('only Ann, who scheduled "standup", can change it'),
    });
    await expect(mallory.delete('standup', Buffer.alloc(0))).rejects.toMatchObject({
      code: ErrorCode.NotAllowed,
      message: expect.stringContaining('only Ann, who scheduled "standup", can delete it'),
    });
    await expect(mallory.delete('retro', ownerToken)).rejects.toMatchObject({
      code: ErrorCode.NotAllowed,
      message: expect.stringContaining('only Carl'),
    });
    expect((await mallory.list()).find((m) => m.meetingId === 'standup')).toEqual(moved);

    // The scheduler does not open the rest: a connection that used it still joins first.
    ben.send(MessageType.Register, { username: 'Ben', meetingId: 'standup' });
    expect((await ben.next(MessageType.Joined)).meetingId).toBe('standup');
    const sneaky = await rawClient();
    sneaky.send(MessageType.MeetingsList);
    await sneaky.next(MessageType.Meetings);
    sneaky.send(MessageType.ChatSend, { to: 'all', text: 'hi' });
    expect(await sneaky.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.NotJoined,
      fatal: true,
    });

    await ann.delete('standup', ownerToken);
    expect(await listedIds(ben, ['standup', 'retro'])).toEqual(['retro']);
    expect(await redis.get(RedisKeys.scheduledMeeting('standup'))).toBeNull();
    await expect(ann.update('standup', ownerToken, { title: 'Again' })).rejects.toMatchObject({
      code: ErrorCode.NoSuchMeeting,
      message: 'no meeting "standup" is scheduled',
    });
    await expect(ann.delete('standup', ownerToken)).rejects.toMatchObject({
      code: ErrorCode.NoSuchMeeting,
    });
  });

  describe('refuses with a clear error', () => {
    const valid = () => ({
      meetingId: 'checks',
      title: 'Checks',
      startsAt: timeIn(HOUR, '+02:00').text,
      durationMinutes: 45,
      username: 'Dee',
    });

    it.each([
      [
        'a time without an offset',
        { startsAt: '2026-11-26T10:00' },
        'starts_at "2026-11-26T10:00" is not an ISO 8601 time with an offset',
      ],
      [
        'month 13',
        { startsAt: '2026-13-01T10:00+01:00' },
        'starts_at "2026-13-01T10:00+01:00" is not an ISO 8601 time with an offset',
      ],
      [
        'a past time',
        { startsAt: '2020-01-01T10:00:00Z' },
        'starts_at "2020-01-01T10:00:00Z" is in the past',
      ],
      ['a time years ahead', { startsAt: '2999-01-01T10:00Z' }, 'is more than 366 days ahead'],
      ['no duration', { durationMinutes: 0 }, 'duration_minutes must be 1 to 1440'],
      ['over a day', { durationMinutes: 1441 }, 'duration_minutes must be 1 to 1440'],
      ['no id', { meetingId: '' }, 'meeting id is required'],
      ['a bad id', { meetingId: 'team sync' }, 'meeting id may hold only letters, digits'],
      ['a long id', { meetingId: 'x'.repeat(65) }, 'meeting id must be at most 64 characters'],
      ['a blank title', { title: '   ' }, 'title must be 1 to 200 characters'],
      ['a long title', { title: 't'.repeat(201) }, 'title must be 1 to 200 characters'],
      ['a title on two lines', { title: 'one\ntwo' }, 'title must not contain control characters'],
      [
        'no creator before joining',
        { username: '' },
        'username (who schedules it) is required before joining',
      ],
      ['a bad creator name', { username: ' Dee' }, 'username must not start or end with a space'],
    ])('%s', async (_what, change, message) => {
      const client = await meetingsClient();
      await expect(client.create({ ...valid(), ...change })).rejects.toMatchObject({
        code: ErrorCode.InvalidRequest,
        message: expect.stringContaining(message),
        fatal: false,
      });
      // A refusal is an answer, not the end of the connection.
      expect(Array.isArray(await client.list())).toBe(true);
    });

    it('a meeting id already scheduled, and bad changes to a meeting', async () => {
      const dee = await meetingsClient();
      const { ownerToken } = await dee.create(valid());
      await expect(dee.create({ ...valid(), username: 'Eli' })).rejects.toMatchObject({
        code: ErrorCode.MeetingExists,
        message: expect.stringMatching(/^meeting "checks" is already scheduled by Dee for /),
      });
      await expect(
        dee.update('checks', ownerToken, { startsAt: '2020-01-01T10:00:00+01:00' }),
      ).rejects.toMatchObject({ code: ErrorCode.InvalidRequest, message: /is in the past/ });
      await expect(dee.update('checks', ownerToken, { durationMinutes: 0 })).rejects.toMatchObject({
        code: ErrorCode.InvalidRequest,
        message: /duration_minutes must be 1 to 1440/,
      });
      await expect(dee.update('checks', ownerToken, { title: '' })).rejects.toMatchObject({
        code: ErrorCode.InvalidRequest,
        message: /title must be 1 to 200 characters/,
      });
      await expect(dee.update('nope', ownerToken, { title: 'x' })).rejects.toMatchObject({
        code: ErrorCode.NoSuchMeeting,
      });
      expect((await dee.list()).find((m) => m.meetingId === 'checks')).toMatchObject({
        title: 'Checks',
        durationMinutes: 45,
      });
      await dee.delete('checks', ownerToken);
    });
  });

  it('answers a flood of scheduler requests on one connection with RATE_LIMITED', async () => {
    const client = await rawClient();
    for (let i = 0; i < 60; i++) client.send(MessageType.MeetingsList);
    const error = await client.next(MessageType.Error);
    expect(error).toMatchObject({ code: ErrorCode.RateLimited, fatal: false });
    expect(error.message).toMatch(/too many scheduler requests; try again in \d+ ms/);
    // Every request is answered, with the list or the refusal (one refusal was taken above).
    const answers = (): number =>
      client.received.filter(
        (frame) => frame.type === MessageType.Meetings || frame.type === MessageType.Error,
      ).length;
    await waitFor(() => answers() === 59, { timeoutMs: 10_000, what: 'all 60 answered' });
    const answered = client.received.filter((frame) => frame.type === MessageType.Meetings);
    // The burst (30 by default) and what refilled while they were read; not all 60.
    expect(answered.length).toBeGreaterThanOrEqual(30);
    expect(answered.length).toBeLessThan(60);
  });

  it('reminds everyone connected, soon and at the start; a moved meeting at its new time, a deleted one never', async () => {
    const watcher = await rawClient();
    const planner = await meetingsClient();
    const heardByPlanner: MeetingReminder[] = [];
    planner.on('reminder', (reminder) => heardByPlanner.push(reminder));
    const eve = new Session({ host: '127.0.0.1', port: control.port, username: 'Eve' });
    open.push(eve);
    await eve.connect();
    const heardByEve: MeetingReminder[] = [];
    eve.on('reminder', (reminder) => heardByEve.push(reminder));

    const t0 = Date.now();
    const create = (meetingId: string, startMs: number) =>
      planner.create({
        meetingId,
        title: `Meeting ${meetingId}`,
        startsAt: isoAt(startMs),
        durationMinutes: 1,
        username: 'Pat',
      });
    const a = await create('rem-a', t0 + 3_000);
    const b = await create('rem-b', t0 + 2_500);
    const c = await create('rem-c', t0 + 2_500);
    const movedStart = t0 + 5_000;
    await planner.update('rem-b', b.ownerToken, { startsAt: isoAt(movedStart) });
    await planner.delete('rem-c', c.ownerToken);

    const reminders = (): MeetingReminder[] =>
      watcher.received
        .filter((frame) => frame.type === MessageType.MeetingReminder)
        .map((frame) => frame.payload as MeetingReminder);
    await waitFor(() => reminders().some((r) => r.meeting.meetingId === 'rem-b' && r.starting), {
      timeoutMs: 15_000,
      what: 'the moved meeting to start',
    });
    // Not before its new time: the old jobs were taken off the queue.
    expect(Date.now()).toBeGreaterThanOrEqual(movedStart);

    const about = (id: string, heard = reminders()) =>
      heard
        .filter((r) => r.meeting.meetingId === id)
        .map((r) => ({
          starting: r.starting,
          minutesBefore: r.minutesBefore,
          at: r.meeting.startMs,
        }));
    expect(about('rem-a')).toEqual([
      { starting: false, minutesBefore: 1, at: a.meeting.startMs },
      { starting: true, minutesBefore: 0, at: a.meeting.startMs },
    ]);
    expect(about('rem-b')).toEqual([
      { starting: false, minutesBefore: 1, at: movedStart },
      { starting: true, minutesBefore: 0, at: movedStart },
    ]);
    expect(about('rem-c')).toEqual([]);
    expect(reminders().find((r) => r.meeting.meetingId === 'rem-a')?.meeting).toEqual(a.meeting);
    // A joined session and a scheduler-only client hear the same.
    expect(about('rem-a', heardByEve)).toEqual(about('rem-a'));
    expect(about('rem-b', heardByPlanner)).toEqual(about('rem-b'));
  }, 60_000);

  it('still sends a reminder after the control service restarts', async () => {
    const planner = await meetingsClient();
    const startMs = Date.now() + 5_000;
    const { meeting } = await planner.create({
      meetingId: 'rem-restart',
      title: 'After the restart',
      startsAt: isoAt(startMs),
      durationMinutes: 1,
      username: 'Ray',
    });
    planner.close();

    // The instance that scheduled it is gone before either reminder is due.
    await control.stop();
    await control.restart();

    const listener = await meetingsClient();
    const heard: MeetingReminder[] = [];
    listener.on('reminder', (reminder) => heard.push(reminder));
    expect((await listener.list()).find((m) => m.meetingId === 'rem-restart')).toEqual(meeting);
    await waitFor(() => heard.some((r) => r.meeting.meetingId === 'rem-restart' && r.starting), {
      timeoutMs: 15_000,
      what: 'the reminder after the restart',
    });
    expect(
      heard
        .filter((r) => r.meeting.meetingId === 'rem-restart')
        .map((r) => [r.starting, r.meeting.startMs]),
    ).toEqual([
      [false, startMs],
      [true, startMs],
    ]);
  }, 60_000);
});
