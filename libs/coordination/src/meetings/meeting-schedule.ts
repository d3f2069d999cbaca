import { createHash, timingSafeEqual } from 'node:crypto';
import { Redis } from 'ioredis';
import { meetingEndMs, MEETINGS_MAX_SCHEDULED, ScheduledMeeting } from '@sapora/protocol';
import { RedisKeys } from '../keys/redis-keys';

/** What Redis keeps about a scheduled meeting: what everyone sees, and proof of ownership. */
export interface MeetingRecord extends ScheduledMeeting {
  /** SHA-256 hex of the owner token; the token itself is only ever in the creator's hands. */
  ownerTokenHash: string;
}

/** Published when a meeting starts soon or now; every control instance tells its clients. */
export interface MeetingReminderEvent {
  meeting: ScheduledMeeting;
  minutesBefore: number;
  starting: boolean;
}

export type CreateOutcome = 'OK' | 'EXISTS' | 'FULL';

// Removes every meeting whose end is at or before `now` (ARGV[2]). Shared by the scripts below
// so that an ended meeting frees its id and its place before anything else looks.
const PRUNE = `
local function prune(starts, ends, prefix, now)
  local ended = redis.call('ZRANGEBYSCORE', ends, '-inf', now)
  for _, id in ipairs(ended) do
    redis.call('DEL', prefix .. id)
    redis.call('ZREM', starts, id)
    redis.call('ZREM', ends, id)
  end
  return #ended
end
`;

const PRUNE_LUA = `${PRUNE}
return prune(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
`;

// Create, atomically: an id that is scheduled (and not over) is a clash; the schedule is capped.
const CREATE_LUA = `${PRUNE}
local record, starts, ends = KEYS[1], KEYS[2], KEYS[3]
local prefix, now, id, json, startMs, endMs, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
prune(starts, ends, prefix, now)
if redis.call('EXISTS', record) == 1 then return 'EXISTS' end
if redis.call('ZCARD', starts) >= tonumber(max) then return 'FULL' end
redis.call('SET', record, json)
redis.call('ZADD', starts, startMs, id)
redis.call('ZADD', ends, endMs, id)
return 'OK'
`;

// Compare and set: replaces (or, with an empty new record, deletes) the meeting only if it is
// still exactly what the caller read, so two edits at once never undo each other silently.
const REPLACE_LUA = `
local record, starts, ends = KEYS[1], KEYS[2], KEYS[3]
local expected, json, id, startMs, endMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('GET', record) ~= expected then return 0 end
if json == '' then
  redis.call('DEL', record)
  redis.call('ZREM', starts, id)
  redis.call('ZREM', ends, id)
else
  redis.call('SET', record, json)
  redis.call('ZADD', starts, startMs, id)
  redis.call('ZADD', ends, endMs, id)
end
return 1
`;

interface ScriptedRedis extends Redis {
  saporaMeetingPrune(...args: (string | number)[]): Promise<number>;
  saporaMeetingCreate(...args: (string | number)[]): Promise<CreateOutcome>;
  saporaMeetingReplace(...args: (string | number)[]): Promise<number>;
}

export function hashOwnerToken(token: Buffer): string {
  return createHash('sha256').update(token).digest('hex');
}

/** True when `token` is the one the meeting was created with. */
export function ownsMeeting(record: MeetingRecord, token: Buffer): boolean {
  const expected = Buffer.from(record.ownerTokenHash, 'hex');
  return timingSafeEqual(Buffer.from(hashOwnerToken(token), 'hex'), expected);
}

/** The wire view of a record: everything but the owner's proof. */
export function toScheduledMeeting(record: MeetingRecord): ScheduledMeeting {
  const { ownerTokenHash: _hash, ...meeting } = record;
  return meeting;
}

/**
 * The meeting schedule in Redis: a JSON record per meeting, and two sorted sets (by start, to
 * list in order; by end, to drop meetings that are over). No TTLs: with Redis's AOF on, the
 * schedule outlives restarts of everything. Every change is one Lua script.
 */
export class MeetingSchedule {
  readonly #redis: ScriptedRedis;
  readonly #maxMeetings: number;
  readonly #recordPrefix = RedisKeys.scheduledMeeting('');

  constructor(redis: Redis, maxMeetings: number = MEETINGS_MAX_SCHEDULED) {
    redis.defineCommand('saporaMeetingPrune', { numberOfKeys: 2, lua: PRUNE_LUA });
    redis.defineCommand('saporaMeetingCreate', { numberOfKeys: 3, lua: CREATE_LUA });
    redis.defineCommand('saporaMeetingReplace', { numberOfKeys: 3, lua: REPLACE_LUA });
    this.#redis = redis as ScriptedRedis;
    this.#maxMeetings = maxMeetings;
  }

  /** Adds a meeting unless its id is taken by one not yet over, or the schedule is full. */
  async create(record: MeetingRecord, nowMs: number = Date.now()): Promise<CreateOutcome> {
    return this.#redis.saporaMeetingCreate(
      RedisKeys.scheduledMeeting(record.meetingId),
      RedisKeys.scheduleStarts,
      RedisKeys.scheduleEnds,
      this.#recordPrefix,
      nowMs,
      record.meetingId,
      JSON.stringify(record),
      record.startMs,
      meetingEndMs(record),
      this.#maxMeetings,
    );
  }

  /** The meeting as stored, or null; one that is over but not yet removed is still returned. */
  async get(meetingId: string): Promise<MeetingRecord | null> {
    const json = await this.#redis.get(RedisKeys.scheduledMeeting(meetingId));
    return json === null ? null : (JSON.parse(json) as MeetingRecord);
  }

  /** Meetings not over at nowMs, earliest start first; the ones that are over are removed. */
  async list(nowMs: number = Date.now()): Promise<MeetingRecord[]> {
    await this.prune(nowMs);
    const ids = await this.#redis.zrange(RedisKeys.scheduleStarts, '0', '-1');
    if (ids.length === 0) return [];
    const records = await this.#redis.mget(ids.map((id) => RedisKeys.scheduledMeeting(id)));
    // A meeting deleted between the two reads is simply not listed.
    return records
      .filter((json): json is string => json !== null)
      .map((json) => JSON.parse(json) as MeetingRecord);
  }

  /** Removes meetings whose end is at or before nowMs; returns how many. */
  async prune(nowMs: number = Date.now()): Promise<number> {
    return this.#redis.saporaMeetingPrune(
      RedisKeys.scheduleStarts,
      RedisKeys.scheduleEnds,
      this.#recordPrefix,
      nowMs,
    );
  }

  /** Stores `next` if the meeting is still `previous`; false when it changed or went meanwhile. */
  async replace(previous: MeetingRecord, next: MeetingRecord): Promise<boolean> {
    return this.#compareAndSet(previous, next);
  }

  /** Deletes the meeting if it is still `previous`; false when it changed or went meanwhile. */
  async remove(previous: MeetingRecord): Promise<boolean> {
    return this.#compareAndSet(previous, null);
  }

  async #compareAndSet(previous: MeetingRecord, next: MeetingRecord | null): Promise<boolean> {
    const replaced = await this.#redis.saporaMeetingReplace(
      RedisKeys.scheduledMeeting(previous.meetingId),
      RedisKeys.scheduleStarts,
      RedisKeys.scheduleEnds,
      // A parsed record stringifies back to the stored text: same keys, same order.
      JSON.stringify(previous),
      next === null ? '' : JSON.stringify(next),
      previous.meetingId,
      next?.startMs ?? 0,
      next === null ? 0 : meetingEndMs(next),
    );
    return replaced === 1;
  }
}
