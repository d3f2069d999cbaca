import { randomBytes } from 'node:crypto';
import { startRedis, TestRedis } from '@sapora/testing';
import Redis from 'ioredis';
import { RedisKeys } from '../keys/redis-keys';
import {
  hashOwnerToken,
  MeetingRecord,
  MeetingSchedule,
  ownsMeeting,
  toScheduledMeeting,
} from './meeting-schedule';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 26, 8);

function record(meetingId: string, startMs: number, durationMinutes = 30): MeetingRecord {
  return {
    meetingId,
    title: `About ${meetingId}`,
    startsAt: new Date(startMs).toISOString(),
    startMs,
    durationMinutes,
    createdBy: 'Ann',
    createdAtMs: NOW,
    ownerTokenHash: hashOwnerToken(Buffer.from(meetingId)),
  };
}

describe('MeetingSchedule on a real Redis', () => {
  let server: TestRedis;
  let redis: Redis;
  let schedule: MeetingSchedule;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    schedule = new MeetingSchedule(redis, 3);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  beforeEach(async () => {
    await redis.flushall();
  });

  it('creates once per id, lists by start, and keeps no TTL', async () => {
    expect(await schedule.create(record('late', NOW + 3 * HOUR), NOW)).toBe('OK');
    expect(await schedule.create(record('early', NOW + HOUR), NOW)).toBe('OK');
    expect(await schedule.create(record('early', NOW + 2 * HOUR), NOW)).toBe('EXISTS');
    expect((await schedule.list(NOW)).map((m) => [m.meetingId, m.startMs])).toEqual([
      ['early', NOW + HOUR],
      ['late', NOW + 3 * HOUR],
    ]);
    expect(await redis.pttl(RedisKeys.scheduledMeeting('early'))).toBe(-1);
    expect(await schedule.get('late')).toEqual(record('late', NOW + 3 * HOUR));
    expect(await schedule.get('nope')).toBeNull();
  });

  it('lets only one of many simultaneous creates of an id win', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => schedule.create(record('race', NOW + i * HOUR), NOW)),
    );
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'EXISTS')).toHaveLength(9);
  });

  it('keeps a meeting listed while it runs, then removes it and frees its id', async () => {
    expect(await schedule.create(record('short', NOW + HOUR, 10), NOW)).toBe('OK');
    expect(await schedule.create(record('long', NOW + HOUR, 120), NOW)).toBe('OK');
    const during = NOW + HOUR + 5 * 60_000;
    expect((await schedule.list(during)).map((m) => m.meetingId)).toEqual(['long', 'short']);
    const after = NOW + HOUR + 10 * 60_000;
    expect((await schedule.list(after)).map((m) => m.meetingId)).toEqual(['long']);
    expect(await schedule.get('short')).toBeNull();
    expect(await redis.zscore(RedisKeys.scheduleEnds, 'short')).toBeNull();
    expect(await schedule.create(record('short', after + HOUR), after)).toBe('OK');
  });

  it('refuses a create once the schedule is full, counting only meetings not over', async () => {
    for (const id of ['a', 'b', 'c'])
      expect(await schedule.create(record(id, NOW + HOUR), NOW)).toBe('OK');
    expect(await schedule.create(record('d', NOW + HOUR), NOW)).toBe('FULL');
    expect(await schedule.create(record('d', NOW + 2 * HOUR), NOW + 2 * HOUR)).toBe('OK');
  });

  it('replaces and removes only what the caller read', async () => {
    const original = record('cas', NOW + HOUR);
    await schedule.create(original, NOW);
    const moved = { ...original, startMs: NOW + 2 * HOUR, title: 'Moved' };
    expect(await schedule.replace(original, moved)).toBe(true);
    expect(await schedule.replace(original, { ...original, title: 'Stale edit' })).toBe(false);
    expect(await schedule.remove(original)).toBe(false);
    expect(await schedule.get('cas')).toEqual(moved);
    expect(await redis.zscore(RedisKeys.scheduleStarts, 'cas')).toBe(String(NOW + 2 * HOUR));
    expect(await redis.zscore(RedisKeys.scheduleEnds, 'cas')).toBe(
      String(NOW + 2 * HOUR + 30 * 60_000),
    );

    expect(await schedule.remove(moved)).toBe(true);
    expect(await schedule.get('cas')).toBeNull();
    expect(await schedule.list(NOW)).toEqual([]);
    expect(await redis.zcard(RedisKeys.scheduleEnds)).toBe(0);
  });

  it('proves ownership by the token, and never shows its hash on the wire', () => {
    const token = randomBytes(16);
    const owned = { ...record('own', NOW), ownerTokenHash: hashOwnerToken(token) };
    expect(ownsMeeting(owned, token)).toBe(true);
    expect(ownsMeeting(owned, randomBytes(16))).toBe(false);
    expect(ownsMeeting(owned, Buffer.alloc(0))).toBe(false);
    expect(toScheduledMeeting(owned)).not.toHaveProperty('ownerTokenHash');
  });
});
