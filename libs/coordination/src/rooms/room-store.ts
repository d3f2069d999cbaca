import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MEDIA_KEY_BYTES, MEDIA_KINDS, SESSION_TOKEN_BYTES } from '@sapora/protocol';
import { deadlineMember, parseDeadlineMember, RedisKeys } from '../keys/redis-keys';
import { JoinOutcome, MemberRecord, RoomMediaKey, SessionRecord } from './room-records';
import { mediaTokenOf } from '../sessions/media-token';

// Join, atomically: the first member of an empty room sets its passcode; later members must
// match it; HSETNX on the name's key (normalised once, before this) keeps names unique per room;
// each media node the newcomer needs must have room for one more participant (its rooms'
// members counted here, in the same step as the member is added, so no capacity is exceeded).
// Running a meeting (joinRefusal in @sapora/protocol's room rules): a locked room or a banned
// name refuses a newcomer, never the meeting's owner; the first member, or the owner, is host.
const JOIN_LUA = `
local session, deadlines, rooms, members, names, passcode = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local state, bans, hands = KEYS[7], KEYS[8], KEYS[9]
local token, pid, nameKey, record, passHash, ttl, deadline, meetingId, dmember =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local nodePrefix, roomsSuffix, roomPrefix, membersSuffix = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
local owner, now, newRoomKey = ARGV[14] == '1', tonumber(ARGV[15]), ARGV[16]
for i = 17, #ARGV, 3 do
  local kind, nodeId, capacity = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local participants = 0
  for _, room in ipairs(redis.call('SMEMBERS', nodePrefix .. nodeId .. roomsSuffix)) do
    participants = participants + redis.call('HLEN', roomPrefix .. room .. membersSuffix)
  end
  if participants + 1 > capacity then return 'NO_CAPACITY ' .. kind end
end
if redis.call('HLEN', members) == 0 then
  redis.call('DEL', names, passcode, state, hands)
  if passHash ~= '' then redis.call('SET', passcode, passHash) end
else
  local current = redis.call('GET', passcode)
  if current and current ~= passHash then return 'WRONG_PASSCODE' end
  if not owner then
    local banned = tonumber(redis.call('HGET', bans, nameKey) or '0')
    if banned > now then return 'REMOVED' end
    if redis.call('HGET', state, 'locked') == '1' then return 'ROOM_LOCKED' end
  end
end
if redis.call('HSETNX', names, nameKey, pid) == 0 then return 'USERNAME_TAKEN' end
redis.call('HSET', members, pid, record)
local host = redis.call('HGET', state, 'host')
if owner or not host or redis.call('HEXISTS', members, host) == 0 then
  redis.call('HSET', state, 'host', pid)
end
redis.call('SET', session, record, 'PX', ttl)
redis.call('ZADD', deadlines, deadline, dmember)
redis.call('SADD', rooms, meetingId)
-- The room's media key: made with the room (its state went with the last member).
redis.call('HSETNX', state, 'mediaKey', newRoomKey)
redis.call('HSETNX', state, 'mediaKeyEpoch', 0)
local roomKey = redis.call('HMGET', state, 'mediaKey', 'mediaKeyEpoch')
return 'OK ' .. roomKey[1] .. ' ' .. roomKey[2]
`;

// Leave, atomically and at most once: returns the removed member's record, or nil if it was
// already gone. With a cutoff (the sweeper's "now"), a member whose deadline was pushed past
// it by a heartbeat in the meantime is kept. The last member out closes the room. A host who
// leaves hands the role to the longest present (hostAfterLeave in the room rules). The room's
// media key changes (ARGV[9], a fresh one), so what the leaver knew opens nothing sent later;
// the answer is the record and the room's key and epoch now.
const LEAVE_LUA = `
local deadlines, rooms, members, names, passcode, chat = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local state, hands = KEYS[7], KEYS[8]
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
-- The key stored at join, never recomputed here: Lua's lower() knows ASCII only.
local nameKey = member.nameKey or string.lower(member.username)
if redis.call('HGET', names, nameKey) == pid then
  redis.call('HDEL', names, nameKey)
end
redis.call('DEL', sessionPrefix .. member.mediaToken)
redis.call('ZREM', hands, pid)
if redis.call('HLEN', members) == 0 then
  redis.call('DEL', members, names, passcode, chat, state, hands)
  redis.call('SREM', rooms, meetingId)
  -- Its media nodes let it go at their next renewal, seeing the lease gone.
  local roomPrefix, leaseInfix, placementSuffix = ARGV[6], ARGV[7], ARGV[8]
  redis.call('DEL', roomPrefix .. meetingId .. placementSuffix)
  for i = 10, #ARGV do redis.call('DEL', roomPrefix .. meetingId .. leaseInfix .. ARGV[i]) end
  return {record}
end
redis.call('HSET', state, 'mediaKey', ARGV[9])
local epoch = redis.call('HINCRBY', state, 'mediaKeyEpoch', 1)
if redis.call('HGET', state, 'host') == pid then
  local best, bestJoined, bestId = nil, nil, nil
  for _, json in ipairs(redis.call('HVALS', members)) do
    local other = cjson.decode(json)
    local joined = tonumber(other.joinedAtMs)
    if best == nil or joined < bestJoined or (joined == bestJoined and other.participantId < bestId) then
      best, bestJoined, bestId = other, joined, other.participantId
    end
  end
  redis.call('HSET', state, 'host', bestId)
end
return {record, ARGV[9], epoch}
`;

// Heartbeat: renew the session and push the deadline out; 0 when the session is already gone.
const RENEW_LUA = `
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[3])
return 1
`;

// Change a member's flags, atomically and only while it is a member with a live session: a
// change racing a leave must never bring the member (or a session without a TTL) back.
const UPDATE_MEMBER_LUA = `
local members, pid, patch, sessionPrefix = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local record = redis.call('HGET', members, pid)
if not record then return nil end
local member = cjson.decode(record)
local session = sessionPrefix .. member.mediaToken
if redis.call('EXISTS', session) == 0 then return nil end
for field, value in pairs(cjson.decode(patch)) do member[field] = value end
local updated = cjson.encode(member)
redis.call('HSET', members, pid, updated)
redis.call('SET', session, updated, 'KEEPTTL')
return updated
`;

interface ScriptedRedis extends Redis {
  saporaJoin(...args: (string | number)[]): Promise<string>;
  saporaLeave(...args: (string | number)[]): Promise<[string, string?, number?] | null>;
  saporaRenew(...args: (string | number)[]): Promise<number>;
  saporaUpdateMember(...args: (string | number)[]): Promise<string | null>;
}

/** A media node the newcomer will use, which must have room for one more participant. */
export interface CapacityCheck {
  kind: string;
  nodeId: string;
  capacity: number;
}

const CAPACITY_KEY_PARTS = [
  RedisKeys.node(''),
  RedisKeys.nodeRooms('\0').split('\0')[1],
  RedisKeys.roomMembers('\0').split('\0')[0],
  RedisKeys.roomMembers('\0').split('\0')[1],
];

export interface JoinParams {
  /** The display name, normalised (normaliseUsername) before it gets here. */
  username: string;
  /** Its comparison key (normaliseUsername): unique per room. */
  nameKey: string;
  meetingId: string;
  passcode: string;
  ip: string;
  /** Hex token of a session to resume, or '' to start a new one. */
  resumeToken: string;
  /** Media nodes the newcomer needs (not checked on a resume: a resumed member already counts). */
  capacity?: CapacityCheck[];
  /** Proved the scheduled meeting's owner token: joins as host, past a lock or a ban. */
  owner?: boolean;
  /** Joined over TLS: the session gets a media key and its media is sealed. */
  sealedMedia?: boolean;
  /** Joins to record the meeting. */
  recording?: boolean;
}

/** A member who left, and the room's media key after them (none: the room closed). */
export interface Departure {
  member: MemberRecord;
  roomKey?: RoomMediaKey;
}

const newMediaKey = (): string => randomBytes(MEDIA_KEY_BYTES).toString('hex');

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
    redis.defineCommand('saporaJoin', { numberOfKeys: 9, lua: JOIN_LUA });
    redis.defineCommand('saporaLeave', { numberOfKeys: 8, lua: LEAVE_LUA });
    redis.defineCommand('saporaRenew', { numberOfKeys: 2, lua: RENEW_LUA });
    redis.defineCommand('saporaUpdateMember', { numberOfKeys: 1, lua: UPDATE_MEMBER_LUA });
    this.#redis = redis as ScriptedRedis;
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  async join(params: JoinParams): Promise<JoinOutcome> {
    if (params.resumeToken !== '') return this.#resume(params);
    const token = randomBytes(SESSION_TOKEN_BYTES).toString('hex');
    const member: MemberRecord = {
      participantId: randomUUID(),
      username: params.username,
      nameKey: params.nameKey,
      meetingId: params.meetingId,
      ip: params.ip,
      joinedAtMs: Date.now(),
      muted: false,
      presenting: false,
      ...(params.recording === true ? { recording: true } : {}),
      token,
      mediaToken: mediaTokenOf(token),
      ...(params.sealedMedia === true ? { mediaKey: newMediaKey() } : {}),
    };
    const { meetingId } = params;
    const result = await this.#redis.saporaJoin(
      RedisKeys.session(member.mediaToken),
      RedisKeys.sessionDeadlines,
      RedisKeys.rooms,
      RedisKeys.roomMembers(meetingId),
      RedisKeys.roomNames(meetingId),
      RedisKeys.roomPasscode(meetingId),
      RedisKeys.roomState(meetingId),
      RedisKeys.roomBans(meetingId),
      RedisKeys.roomHands(meetingId),
      token,
      member.participantId,
      params.nameKey,
      JSON.stringify(member),
      hashPasscode(params.passcode),
      this.#idleTimeoutMs,
      Date.now() + this.#idleTimeoutMs,
      meetingId,
      deadlineMember(meetingId, member.participantId),
      ...CAPACITY_KEY_PARTS,
      params.owner === true ? '1' : '0',
      Date.now(),
      newMediaKey(),
      ...(params.capacity ?? []).flatMap((check) => [check.kind, check.nodeId, check.capacity]),
    );
    if (result.startsWith('OK ')) {
      const [, key, epoch] = result.split(' ');
      return { ok: true, member, resumed: false, roomKey: { key, epoch: Number(epoch) } };
    }
    if (result.startsWith('NO_CAPACITY '))
      return { ok: false, reason: 'NO_CAPACITY', kind: result.slice('NO_CAPACITY '.length) };
    return {
      ok: false,
      reason: result as 'USERNAME_TAKEN' | 'WRONG_PASSCODE' | 'ROOM_LOCKED' | 'REMOVED',
    };
  }

  async #resume(params: JoinParams): Promise<JoinOutcome> {
    const session = await this.getSession(params.resumeToken);
    const matches =
      session !== null &&
      session.meetingId === params.meetingId &&
      (session.nameKey ?? session.username.toLowerCase()) === params.nameKey;
    if (!matches || !(await this.renew(session))) return { ok: false, reason: 'SESSION_EXPIRED' };
    const roomKey = await this.roomMediaKey(session.meetingId);
    if (roomKey === null) return { ok: false, reason: 'SESSION_EXPIRED' };
    return { ok: true, member: session, resumed: true, roomKey };
  }

  /** The room's media key now, or null when the room is closed. */
  async roomMediaKey(meetingId: string): Promise<RoomMediaKey | null> {
    const [key, epoch] = await this.#redis.hmget(
      RedisKeys.roomState(meetingId),
      'mediaKey',
      'mediaKeyEpoch',
    );
    return key === null || epoch === null ? null : { key, epoch: Number(epoch) };
  }

  /** Renews a session for another idle timeout; false when it has already ended. */
  async renew(
    member: Pick<MemberRecord, 'mediaToken' | 'meetingId' | 'participantId'>,
  ): Promise<boolean> {
    const renewed = await this.#redis.saporaRenew(
      RedisKeys.session(member.mediaToken),
      RedisKeys.sessionDeadlines,
      this.#idleTimeoutMs,
      Date.now() + this.#idleTimeoutMs,
      deadlineMember(member.meetingId, member.participantId),
    );
    return renewed === 1;
  }

  /**
   * Removes a member now; returns its record and the room's new media key (none when the room
   * closed with it), or null if someone else already did.
   */
  async leave(
    meetingId: string,
    participantId: string,
    cutoffMs?: number,
  ): Promise<Departure | null> {
    const result = await this.#redis.saporaLeave(
      RedisKeys.sessionDeadlines,
      RedisKeys.rooms,
      RedisKeys.roomMembers(meetingId),
      RedisKeys.roomNames(meetingId),
      RedisKeys.roomPasscode(meetingId),
      RedisKeys.roomChat(meetingId),
      RedisKeys.roomState(meetingId),
      RedisKeys.roomHands(meetingId),
      participantId,
      deadlineMember(meetingId, participantId),
      cutoffMs === undefined ? '' : String(cutoffMs),
      meetingId,
      this.#sessionPrefix,
      RedisKeys.roomMembers('\0').split('\0')[0],
      RedisKeys.roomLease('\0', '\0').split('\0')[1],
      RedisKeys.roomPlacement('\0').split('\0')[1],
      newMediaKey(),
      ...MEDIA_KINDS,
    );
    if (result === null) return null;
    const [record, key, epoch] = result;
    return {
      member: JSON.parse(record) as MemberRecord,
      roomKey: key === undefined ? undefined : { key, epoch: Number(epoch) },
    };
  }

  /** Ends every session whose deadline has passed; returns who was removed. */
  async expire(nowMs: number = Date.now()): Promise<Departure[]> {
    const due = await this.#redis.zrangebyscore(RedisKeys.sessionDeadlines, '-inf', nowMs);
    const removed: Departure[] = [];
    for (const entry of due) {
      const { meetingId, participantId } = parseDeadlineMember(entry);
      const departure = await this.leave(meetingId, participantId, nowMs);
      if (departure !== null) removed.push(departure);
    }
    return removed;
  }

  /** The live session a session token (hex) proves, or null. */
  getSession(tokenHex: string): Promise<SessionRecord | null> {
    return this.getSessionByMediaToken(mediaTokenOf(tokenHex));
  }

  /** The live session whose media datagrams carry this media token (hex), or null. */
  async getSessionByMediaToken(mediaTokenHex: string): Promise<SessionRecord | null> {
    const json = await this.#redis.get(RedisKeys.session(mediaTokenHex));
    return json === null ? null : (JSON.parse(json) as SessionRecord);
  }

  async members(meetingId: string): Promise<MemberRecord[]> {
    const all = await this.#redis.hvals(RedisKeys.roomMembers(meetingId));
    return all
      .map((json) => JSON.parse(json) as MemberRecord)
      .sort((a, b) => a.joinedAtMs - b.joinedAtMs);
  }

  async memberCount(meetingId: string): Promise<number> {
    return this.#redis.hlen(RedisKeys.roomMembers(meetingId));
  }

  async rooms(): Promise<string[]> {
    return this.#redis.smembers(RedisKeys.rooms);
  }

  /**
   * Changes a live member's flags (mute, presenting); returns the new record, or null when it is
   * no longer a member (it left meanwhile): then nothing is written.
   */
  async updateMember(
    meetingId: string,
    participantId: string,
    patch: Partial<Pick<MemberRecord, 'muted' | 'presenting' | 'mutedBy'>>,
  ): Promise<MemberRecord | null> {
    const record = await this.#redis.saporaUpdateMember(
      RedisKeys.roomMembers(meetingId),
      participantId,
      JSON.stringify(patch),
      this.#sessionPrefix,
    );
    return record === null ? null : (JSON.parse(record) as MemberRecord);
  }
}
