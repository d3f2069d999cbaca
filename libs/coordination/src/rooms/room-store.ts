import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SESSION_TOKEN_BYTES } from '@sapora/protocol';
import { deadlineMember, parseDeadlineMember, RedisKeys } from '../keys/redis-keys';
import { JoinOutcome, MemberRecord, SessionRecord } from './room-records';

// Join, atomically: the first member of an empty room sets its passcode; later members must
// match it; HSETNX on the lower-cased name keeps usernames unique per room.
const JOIN_LUA = `
local session, deadlines, rooms, members, names, passcode = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local token, pid, nameKey, record, passHash, ttl, deadline, meetingId, dmember =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if redis.call('HLEN', members) == 0 then
  redis.call('DEL', names, passcode)
  if passHash ~= '' then redis.call('SET', passcode, passHash) end
else
  local current = redis.call('GET', passcode)
  if current and current ~= passHash then return 'WRONG_PASSCODE' end
end
if redis.call('HSETNX', names, nameKey, pid) == 0 then return 'USERNAME_TAKEN' end
redis.call('HSET', members, pid, record)
redis.call('SET', session, record, 'PX', ttl)
redis.call('ZADD', deadlines, deadline, dmember)
redis.call('SADD', rooms, meetingId)
return 'OK'
`;

// Leave, atomically and at most once: returns the removed member's record, or nil if it was
// already gone. With a cutoff (the sweeper's "now"), a member whose deadline was pushed past
// it by a heartbeat in the meantime is kept. The last member out closes the room.
const LEAVE_LUA = `
local deadlines, rooms, members, names, passcode, chat = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local pid, dmember, cutoff, meetingId, sessionPrefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if cutoff ~= '' then
  local score = redis.call('ZSCORE', deadlines, dmember)
  if score and tonumber(score) > tonumber(cutoff) then return nil end
end
local record = redis.call('HGET', members, pid)
redis.call('ZREM', deadlines, dmember)
if not record then return nil end
local member = cjson.decode(record)
redis.call('HDEL', members, pid)
if redis.call('HGET', names, string.lower(member.username)) == pid then
  redis.call('HDEL', names, string.lower(member.username))
end
redis.call('DEL', sessionPrefix .. member.token)
if redis.call('HLEN', members) == 0 then
  redis.call('DEL', members, names, passcode, chat)
  redis.call('SREM', rooms, meetingId)
end
return record
`;

// Heartbeat: renew the session and push the deadline out; 0 when the session is already gone.
const RENEW_LUA = `
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[3])
return 1
`;

interface ScriptedRedis extends Redis {
  saporaJoin(...args: (string | number)[]): Promise<string>;
  saporaLeave(...args: (string | number)[]): Promise<string | null>;
  saporaRenew(...args: (string | number)[]): Promise<number>;
}

export interface JoinParams {
  username: string;
  meetingId: string;
  passcode: string;
  ip: string;
  /** Hex token of a session to resume, or '' to start a new one. */
  resumeToken: string;
}

export function hashPasscode(passcode: string): string {
  return passcode === '' ? '' : createHash('sha256').update(passcode, 'utf8').digest('hex');
}

/**
 * Sessions and room membership in Redis. Every change is one Lua script, so two control
 * instances (or a restart in the middle) never leave half a join or half a leave behind.
 */
export class RoomStore {
  readonly #redis: ScriptedRedis;
  readonly #idleTimeoutMs: number;
  readonly #sessionPrefix = RedisKeys.session('');

  constructor(redis: Redis, idleTimeoutMs: number) {
    redis.defineCommand('saporaJoin', { numberOfKeys: 6, lua: JOIN_LUA });
    redis.defineCommand('saporaLeave', { numberOfKeys: 6, lua: LEAVE_LUA });
    redis.defineCommand('saporaRenew', { numberOfKeys: 2, lua: RENEW_LUA });
    this.#redis = redis as ScriptedRedis;
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  async join(params: JoinParams): Promise<JoinOutcome> {
    if (params.resumeToken !== '') return this.#resume(params);
    const token = randomBytes(SESSION_TOKEN_BYTES).toString('hex');
    const member: MemberRecord = {
      participantId: randomUUID(),
      username: params.username,
      meetingId: params.meetingId,
      ip: params.ip,
      joinedAtMs: Date.now(),
      muted: false,
      presenting: false,
      token,
    };
    const { meetingId } = params;
    const result = await this.#redis.saporaJoin(
      RedisKeys.session(token),
      RedisKeys.sessionDeadlines,
      RedisKeys.rooms,
      RedisKeys.roomMembers(meetingId),
      RedisKeys.roomNames(meetingId),
      RedisKeys.roomPasscode(meetingId),
      token,
      member.participantId,
      params.username.toLowerCase(),
      JSON.stringify(member),
      hashPasscode(params.passcode),
      this.#idleTimeoutMs,
      Date.now() + this.#idleTimeoutMs,
      meetingId,
      deadlineMember(meetingId, member.participantId),
    );
    if (result === 'OK') return { ok: true, member, resumed: false };
    return { ok: false, reason: result as 'USERNAME_TAKEN' | 'WRONG_PASSCODE' };
  }

  async #resume(params: JoinParams): Promise<JoinOutcome> {
    const session = await this.getSession(params.resumeToken);
    const matches =
      session !== null &&
      session.meetingId === params.meetingId &&
      session.username.toLowerCase() === params.username.toLowerCase();
    if (!matches || !(await this.renew(session))) return { ok: false, reason: 'SESSION_EXPIRED' };
    return { ok: true, member: session, resumed: true };
  }

  /** Renews a session for another idle timeout; false when it has already ended. */
  async renew(
    member: Pick<MemberRecord, 'token' | 'meetingId' | 'participantId'>,
  ): Promise<boolean> {
    const renewed = await this.#redis.saporaRenew(
      RedisKeys.session(member.token),
      RedisKeys.sessionDeadlines,
      this.#idleTimeoutMs,
      Date.now() + this.#idleTimeoutMs,
      deadlineMember(member.meetingId, member.participantId),
    );
    return renewed === 1;
  }

  /** Removes a member now; returns its record, or null if someone else already did. */
  async leave(
    meetingId: string,
    participantId: string,
    cutoffMs?: number,
  ): Promise<MemberRecord | null> {
    const record = await this.#redis.saporaLeave(
      RedisKeys.sessionDeadlines,
      RedisKeys.rooms,
      RedisKeys.roomMembers(meetingId),
      RedisKeys.roomNames(meetingId),
      RedisKeys.roomPasscode(meetingId),
      RedisKeys.roomChat(meetingId),
      participantId,
      deadlineMember(meetingId, participantId),
      cutoffMs === undefined ? '' : String(cutoffMs),
      meetingId,
      this.#sessionPrefix,
    );
    return record === null ? null : (JSON.parse(record) as MemberRecord);
  }

  /** Ends every session whose deadline has passed; returns who was removed. */
  async expire(nowMs: number = Date.now()): Promise<MemberRecord[]> {
    const due = await this.#redis.zrangebyscore(RedisKeys.sessionDeadlines, '-inf', nowMs);
    const removed: MemberRecord[] = [];
    for (const entry of due) {
      const { meetingId, participantId } = parseDeadlineMember(entry);
      const member = await this.leave(meetingId, participantId, nowMs);
      if (member !== null) removed.push(member);
    }
    return removed;
  }

  async getSession(tokenHex: string): Promise<SessionRecord | null> {
    const json = await this.#redis.get(RedisKeys.session(tokenHex));
    return json === null ? null : (JSON.parse(json) as SessionRecord);
  }

  async members(meetingId: string): Promise<MemberRecord[]> {
    const all = await this.#redis.hvals(RedisKeys.roomMembers(meetingId));
    return all
      .map((json) => JSON.parse(json) as MemberRecord)
      .sort((a, b) => a.joinedAtMs - b.joinedAtMs);
  }

  async rooms(): Promise<string[]> {
    return this.#redis.smembers(RedisKeys.rooms);
  }

  /** Changes a live member's flags (mute, presenting); returns the new record or null. */
  async updateMember(
    meetingId: string,
    participantId: string,
    patch: Partial<Pick<MemberRecord, 'muted' | 'presenting'>>,
  ): Promise<MemberRecord | null> {
    const json = await this.#redis.hget(RedisKeys.roomMembers(meetingId), participantId);
    if (json === null) return null;
    const member = { ...(JSON.parse(json) as MemberRecord), ...patch };
    const record = JSON.stringify(member);
    await this.#redis
      .multi()
      .hset(RedisKeys.roomMembers(meetingId), participantId, record)
      .set(RedisKeys.session(member.token), record, 'KEEPTTL')
      .exec();
    return member;
  }
}
