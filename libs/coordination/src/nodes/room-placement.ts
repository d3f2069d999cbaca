import { Redis } from 'ioredis';
import { RedisKeys } from '../keys/redis-keys';
import { MEDIA_KINDS, MediaKind } from '@sapora/protocol';
import { NodeRecord } from './node-records';
import { CHOOSE_NODE_LUA } from './node-selection';
import { NODE_STALE_MS, PLACEMENT_LEASE_MS } from './node-timing';

// Placing a room's media of one kind, atomically: the node holding its lease stays if it is live
// and not draining (and not `exclude`d for letting the lease lapse); else the policy
// (CHOOSE_NODE_LUA) picks among the live nodes that do not drain, counting the load every
// placement so far has put on them, and the room's lease goes to the chosen one in the same
// step. Two control instances placing the same room agree (the second finds the lease); rooms
// placed at the same moment spread, since each sees the ones before it. Ids of expired nodes
// are pruned from the index.
const PLACE_LUA = `
${CHOOSE_NODE_LUA}
local lease, kindSet, placement, members = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local nodePrefix, roomsSuffix, roomPrefix, membersSuffix, exclude, meetingId, kind, leaseTtl, nodeTtl =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local current = redis.call('GET', lease)
if current and current ~= exclude then
  local record = redis.call('GET', nodePrefix .. current)
  if record and not cjson.decode(record).draining then return {'kept', record} end
end
local candidates, records = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', kindSet)) do
  local record = redis.call('GET', nodePrefix .. id)
  if not record then
    redis.call('SREM', kindSet, id)
  elseif id ~= exclude then
    local node = cjson.decode(record)
    if not node.draining then
      local rooms = redis.call('SMEMBERS', nodePrefix .. id .. roomsSuffix)
      local load = 0
      for _, room in ipairs(rooms) do
        if room ~= meetingId then
          load = load + math.max(redis.call('HLEN', roomPrefix .. room .. membersSuffix), 1)
        end
      end
      table.insert(candidates, { id = id, capacity = node.capacity, load = load, rooms = #rooms })
      table.insert(records, record)
    end
  end
end
local chosen = choose_node(candidates, math.max(redis.call('HLEN', members), 1))
if not chosen then
  if #candidates > 0 then return {'full', ''} end
  return {'none', ''}
end
local nodeId, nodeRooms = candidates[chosen].id, nodePrefix .. candidates[chosen].id .. roomsSuffix
redis.call('SET', lease, nodeId, 'PX', leaseTtl)
redis.call('HSET', placement, kind, nodeId)
redis.call('SADD', nodeRooms, meetingId)
if redis.call('PTTL', nodeRooms) < 0 then redis.call('PEXPIRE', nodeRooms, nodeTtl) end
return {'claimed', records[chosen]}
`;

// A room placed for a join that was then refused, and that nobody joined: its leases and its
// place in its nodes' room sets go, so it does not count as load (a placed room counts as one
// participant until its members arrive). A room with members is left alone.
const RELEASE_EMPTY_LUA = `
local members, placement = KEYS[1], KEYS[2]
local meetingId, roomPrefix, leaseInfix, nodePrefix, roomsSuffix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('HLEN', members) > 0 then return 0 end
redis.call('DEL', placement)
for i = 6, #ARGV do
  local lease = roomPrefix .. meetingId .. leaseInfix .. ARGV[i]
  local holder = redis.call('GET', lease)
  if holder then
    redis.call('DEL', lease)
    redis.call('SREM', nodePrefix .. holder .. roomsSuffix, meetingId)
  end
end
return 1
`;

// Rooms whose media of some kind needs a node: lease lapsed (the node missed its renewals),
// its node gone or draining, or never placed while nodes of that kind exist.
const WATCH_LUA = `
local rooms, nodePrefix, roomPrefix, leaseInfix, placementSuffix, kindsPrefix =
  KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local kinds = {}
for i = 6, #ARGV do table.insert(kinds, ARGV[i]) end
local found = {}
for _, room in ipairs(redis.call('SMEMBERS', rooms)) do
  for _, kind in ipairs(kinds) do
    local holder = redis.call('GET', roomPrefix .. room .. leaseInfix .. kind)
    local reason, previous = nil, ''
    if holder then
      local record = redis.call('GET', nodePrefix .. holder)
      if not record then reason = 'gone'
      elseif cjson.decode(record).draining then reason = 'draining' end
      previous = holder
    else
      previous = redis.call('HGET', roomPrefix .. room .. placementSuffix, kind)
      if previous then reason = 'lapsed'
      elseif redis.call('SCARD', kindsPrefix .. kind) > 0 then reason = 'unplaced'; previous = '' end
    end
    if reason then
      table.insert(found, room); table.insert(found, kind)
      table.insert(found, previous); table.insert(found, reason)
    end
  end
end
return found
`;

interface ScriptedRedis extends Redis {
  saporaPlace(
    ...args: (string | number)[]
  ): Promise<['kept' | 'claimed' | 'full' | 'none', string]>;
  saporaWatch(...args: (string | number)[]): Promise<string[]>;
  saporaReleaseEmpty(...args: (string | number)[]): Promise<number>;
}

export type PlacementOutcome =
  /** `moved`: this call placed it (a first placement, or a move); else it was already there. */
  | { kind: MediaKind; node: NodeRecord; moved: boolean }
  | { kind: MediaKind; node: null; reason: 'full' | 'none' };

export type PlacementTrouble = 'lapsed' | 'gone' | 'draining' | 'unplaced';

/** A room's media of one kind that needs a node, and the node it had (if any). */
export interface RoomToPlace {
  meetingId: string;
  kind: MediaKind;
  previous: string;
  reason: PlacementTrouble;
}

/** A registered node with the rooms it serves, for `sapora nodes`. */
export interface NodeListing {
  node: NodeRecord;
  rooms: string[];
  participants: number;
}

const KEY_PARTS = {
  nodePrefix: RedisKeys.node(''),
  roomsSuffix: RedisKeys.nodeRooms('\0').split('\0')[1],
  roomPrefix: RedisKeys.roomMembers('\0').split('\0')[0],
  membersSuffix: RedisKeys.roomMembers('\0').split('\0')[1],
  leaseInfix: RedisKeys.roomLease('\0', '\0').split('\0')[1],
  placementSuffix: RedisKeys.roomPlacement('\0').split('\0')[1],
  kindsPrefix: RedisKeys.nodesOfKind(''),
};

/**
 * Which node serves each room's media (control's side of DESIGN §10): a room is placed on one
 * node per kind, the least loaded live one (CHOOSE_NODE_LUA), under a lease the node renews.
 * Choosing and claiming are one script, so two control instances placing one room at once
 * agree, and a burst of new rooms spreads evenly. A node is chosen only with room for the
 * room's participants; capacity is checked again when each participant joins (RoomStore.join).
 */
export class RoomPlacement {
  readonly #redis: ScriptedRedis;

  constructor(redis: Redis) {
    redis.defineCommand('saporaPlace', { numberOfKeys: 4, lua: PLACE_LUA });
    redis.defineCommand('saporaWatch', { numberOfKeys: 1, lua: WATCH_LUA });
    redis.defineCommand('saporaReleaseEmpty', { numberOfKeys: 2, lua: RELEASE_EMPTY_LUA });
    this.#redis = redis as ScriptedRedis;
  }

  /**
   * The node serving the room's media of this kind, placing it first if it has none (or one that
   * drains, is gone, or is `exclude`d because it let its lease lapse).
   */
  async place(meetingId: string, kind: MediaKind, exclude = ''): Promise<PlacementOutcome> {
    const [outcome, record] = await this.#redis.saporaPlace(
      RedisKeys.roomLease(meetingId, kind),
      RedisKeys.nodesOfKind(kind),
      RedisKeys.roomPlacement(meetingId),
      RedisKeys.roomMembers(meetingId),
      KEY_PARTS.nodePrefix,
      KEY_PARTS.roomsSuffix,
      KEY_PARTS.roomPrefix,
      KEY_PARTS.membersSuffix,
      exclude,
      meetingId,
      kind,
      PLACEMENT_LEASE_MS,
      NODE_STALE_MS,
    );
    if (outcome === 'full' || outcome === 'none') return { kind, node: null, reason: outcome };
    return { kind, node: JSON.parse(record) as NodeRecord, moved: outcome === 'claimed' };
  }

  /** Every kind placed for the room (kinds with no node at all are left out). */
  async placeAll(meetingId: string): Promise<PlacementOutcome[]> {
    return Promise.all(MEDIA_KINDS.map((kind) => this.place(meetingId, kind)));
  }

  /**
   * Lets go of a room's nodes if it has no members (its first join was refused after the room
   * was placed): true if it did.
   */
  async releaseIfEmpty(meetingId: string): Promise<boolean> {
    const released = await this.#redis.saporaReleaseEmpty(
      RedisKeys.roomMembers(meetingId),
      RedisKeys.roomPlacement(meetingId),
      meetingId,
      KEY_PARTS.roomPrefix,
      KEY_PARTS.leaseInfix,
      KEY_PARTS.nodePrefix,
      KEY_PARTS.roomsSuffix,
      ...MEDIA_KINDS,
    );
    return released === 1;
  }

  /** Rooms whose media of some kind must be (re)placed now. */
  async roomsToPlace(): Promise<RoomToPlace[]> {
    const found = await this.#redis.saporaWatch(
      RedisKeys.rooms,
      KEY_PARTS.nodePrefix,
      KEY_PARTS.roomPrefix,
      KEY_PARTS.leaseInfix,
      KEY_PARTS.placementSuffix,
      KEY_PARTS.kindsPrefix,
      ...MEDIA_KINDS,
    );
    const rooms: RoomToPlace[] = [];
    for (let i = 0; i < found.length; i += 4)
      rooms.push({
        meetingId: found[i],
        kind: found[i + 1] as MediaKind,
        previous: found[i + 2],
        reason: found[i + 3] as PlacementTrouble,
      });
    return rooms;
  }

  /** The node a room's media of this kind is on now, if it has a live lease. */
  async current(meetingId: string, kind: MediaKind): Promise<NodeRecord | null> {
    const nodeId = await this.#redis.get(RedisKeys.roomLease(meetingId, kind));
    if (nodeId === null) return null;
    return this.node(nodeId);
  }

  async node(nodeId: string): Promise<NodeRecord | null> {
    const json = await this.#redis.get(RedisKeys.node(nodeId));
    return json === null ? null : (JSON.parse(json) as NodeRecord);
  }

  /** Every live node, its rooms and their participants. */
  async nodes(): Promise<NodeListing[]> {
    const listings: NodeListing[] = [];
    for (const kind of MEDIA_KINDS) {
      for (const nodeId of await this.#redis.smembers(RedisKeys.nodesOfKind(kind))) {
        const node = await this.node(nodeId);
        if (node === null) continue;
        const rooms = (await this.#redis.smembers(RedisKeys.nodeRooms(nodeId))).sort();
        const counts = await Promise.all(
          rooms.map((room) => this.#redis.hlen(RedisKeys.roomMembers(room))),
        );
        listings.push({ node, rooms, participants: counts.reduce((a, b) => a + b, 0) });
      }
    }
    return listings;
  }
}
