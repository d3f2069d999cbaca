import { Redis } from 'ioredis';
import { RedisKeys } from '../keys/redis-keys';
import { MemberRecord } from './room-records';

// A host's change to the room, atomically and only while the actor is still the host (the
// role may have moved on another control instance since control checked the room rules):
// otherwise nothing is written and the current host is returned. 'lower-own' (a participant
// lowering their own hand) needs no host.
const HOST_LUA = `
local state, members, hands, bans = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local actor, op, target, arg1, arg2, sessionPrefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local host = redis.call('HGET', state, 'host')
if op ~= 'lower-own' and host ~= actor then return {'NOT_HOST', host or ''} end
if op == 'mute' then
  local record = redis.call('HGET', members, target)
  if not record then return {'NO_SUCH_PARTICIPANT'} end
  local member = cjson.decode(record)
  local session = sessionPrefix .. member.mediaToken
  if redis.call('EXISTS', session) == 0 then return {'NO_SUCH_PARTICIPANT'} end
  member.muted = true
  member.mutedBy = arg1
  local updated = cjson.encode(member)
  redis.call('HSET', members, target, updated)
  redis.call('SET', session, updated, 'KEEPTTL')
  return {'OK', updated}
elseif op == 'make-host' then
  if redis.call('HEXISTS', members, target) == 0 then return {'NO_SUCH_PARTICIPANT'} end
  redis.call('HSET', state, 'host', target)
elseif op == 'lock' then
  redis.call('HSET', state, 'locked', '1')
elseif op == 'unlock' then
  redis.call('HDEL', state, 'locked')
elseif op == 'lower-hand' or op == 'lower-own' then
  redis.call('ZREM', hands, target)
elseif op == 'ban' then
  redis.call('HSET', bans, target, arg1)
  if redis.call('PTTL', bans) < tonumber(arg2) then redis.call('PEXPIRE', bans, arg2) end
elseif op == 'allow' then
  redis.call('HDEL', bans, target)
end
return {'OK'}
`;

// Raise (in order, once) or lower a hand; only a member's.
const HAND_LUA = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '1' then redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
else redis.call('ZREM', KEYS[2], ARGV[1]) end
return 1
`;

/** How long the reason a host ended a session is kept for a racing heartbeat. */
const ENDED_NOTE_MS = 60_000;

interface ScriptedRedis extends Redis {
  saporaHostAct(...args: (string | number)[]): Promise<string[]>;
  saporaHand(...args: (string | number)[]): Promise<number>;
}

/** Who runs a room, whether it is locked, and whose hands are up. */
export interface RoomState {
  /** Participant id of the host; '' in an empty room. */
  hostId: string;
  locked: boolean;
  /** Participant ids, in the order the hands went up. */
  raisedHands: string[];
}

/** What a host may change in Redis (control has already applied the room rules). */
export type HostChange =
  | { op: 'mute'; targetId: string; by: string }
  | { op: 'make-host'; targetId: string }
  | { op: 'lock' }
  | { op: 'unlock' }
  | { op: 'lower-hand'; targetId: string }
  | { op: 'lower-own'; targetId: string }
  | { op: 'ban'; nameKey: string; untilMs: number }
  | { op: 'allow'; nameKey: string }
  /** Writes nothing: only checks the actor is host (stop a share, end the meeting). */
  | { op: 'check' };

export type HostChangeOutcome =
  | { ok: true; member?: MemberRecord }
  | { ok: false; reason: 'NOT_HOST'; hostId: string }
  | { ok: false; reason: 'NO_SUCH_PARTICIPANT' };

/**
 * The host role, the lock, raised hands and bans of each room (RedisKeys.roomState, roomHands,
 * roomBans). Joins and leaves keep them right (RoomStore's scripts: first member or owner is
 * host, the longest present takes over); this class makes the host's own changes, each one
 * Lua script guarded by "the actor is the host", so two control instances never disagree.
 */
export class RoomControls {
  readonly #redis: ScriptedRedis;
  readonly #sessionPrefix = RedisKeys.session('');

  constructor(redis: Redis) {
    redis.defineCommand('saporaHostAct', { numberOfKeys: 4, lua: HOST_LUA });
    redis.defineCommand('saporaHand', { numberOfKeys: 2, lua: HAND_LUA });
    this.#redis = redis as ScriptedRedis;
  }

  async state(meetingId: string): Promise<RoomState> {
    const [state, hands] = await Promise.all([
      this.#redis.hgetall(RedisKeys.roomState(meetingId)),
      this.#redis.zrange(RedisKeys.roomHands(meetingId), '0', '-1'),
    ]);
    return { hostId: state.host ?? '', locked: state.locked === '1', raisedHands: hands };
  }

  /** Until when a name (its username key) may not rejoin, 0 if it may. */
  async bannedUntil(meetingId: string, nameKey: string): Promise<number> {
    return Number((await this.#redis.hget(RedisKeys.roomBans(meetingId), nameKey)) ?? 0);
  }

  /**
   * Notes why the host ended a session, for a minute: a heartbeat that finds the session gone
   * before the news reaches its connection is told this instead of "expired".
   */
  async noteEnded(
    meetingId: string,
    participantId: string,
    ended: { code: number; reason: string },
  ): Promise<void> {
    await this.#redis.set(
      RedisKeys.endedByHost(meetingId, participantId),
      JSON.stringify(ended),
      'PX',
      ENDED_NOTE_MS,
    );
  }

  /** Why the host ended this session, if it did within the last minute. */
  async endedNote(
    meetingId: string,
    participantId: string,
  ): Promise<{ code: number; reason: string } | null> {
    const json = await this.#redis.get(RedisKeys.endedByHost(meetingId, participantId));
    return json === null ? null : (JSON.parse(json) as { code: number; reason: string });
  }

  /** Raises or lowers a member's hand; false when they are not a member (any more). */
  async setHand(
    meetingId: string,
    participantId: string,
    raised: boolean,
    nowMs = Date.now(),
  ): Promise<boolean> {
    const changed = await this.#redis.saporaHand(
      RedisKeys.roomMembers(meetingId),
      RedisKeys.roomHands(meetingId),
      participantId,
      raised ? '1' : '0',
      nowMs,
    );
    return changed === 1;
  }

  /** Makes a host's change, if `actorId` is still the room's host when it runs. */
  async change(
    meetingId: string,
    actorId: string,
    change: HostChange,
    banMs = 0,
  ): Promise<HostChangeOutcome> {
    const [target, arg1, arg2] = argumentsOf(change, banMs);
    const [result, value] = await this.#redis.saporaHostAct(
      RedisKeys.roomState(meetingId),
      RedisKeys.roomMembers(meetingId),
      RedisKeys.roomHands(meetingId),
      RedisKeys.roomBans(meetingId),
      actorId,
      change.op,
      target,
      arg1,
      arg2,
      this.#sessionPrefix,
    );
    if (result === 'NOT_HOST') return { ok: false, reason: 'NOT_HOST', hostId: value };
    if (result === 'NO_SUCH_PARTICIPANT') return { ok: false, reason: 'NO_SUCH_PARTICIPANT' };
    return value === undefined
      ? { ok: true }
      : { ok: true, member: JSON.parse(value) as MemberRecord };
  }
}

function argumentsOf(change: HostChange, banMs: number): [string, string, string] {
  switch (change.op) {
    case 'mute':
      return [change.targetId, change.by, ''];
    case 'make-host':
    case 'lower-hand':
    case 'lower-own':
      return [change.targetId, '', ''];
    case 'ban':
      return [change.nameKey, String(change.untilMs), String(banMs)];
    case 'allow':
      return [change.nameKey, '', ''];
    default:
      return ['', '', ''];
  }
}
