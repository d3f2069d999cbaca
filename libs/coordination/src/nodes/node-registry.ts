import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisKeys } from '../keys/redis-keys';
import { MediaKind } from '@sapora/protocol';
import { NodeLoad, NodeRecord } from './node-records';
import { NODE_RENEW_MS, NODE_STALE_MS, PLACEMENT_LEASE_MS } from './node-timing';

// One renewal, atomically: the node's record (with its TTL), its kind's index, and the lease of
// every room it serves; a room whose lease another node now holds is dropped from its set.
// Returns the rooms still served.
const RENEW_NODE_LUA = `
local nodeKey, kindSet, roomsKey = KEYS[1], KEYS[2], KEYS[3]
local record, nodeTtl, leaseTtl, nodeId, roomPrefix, leaseSuffix =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
redis.call('SET', nodeKey, record, 'PX', nodeTtl)
redis.call('SADD', kindSet, nodeId)
redis.call('PEXPIRE', kindSet, nodeTtl)
local served = {}
for _, room in ipairs(redis.call('SMEMBERS', roomsKey)) do
  local lease = roomPrefix .. room .. leaseSuffix
  if redis.call('GET', lease) == nodeId then
    redis.call('PEXPIRE', lease, leaseTtl)
    table.insert(served, room)
  else
    redis.call('SREM', roomsKey, room)
  end
end
if #served > 0 then redis.call('PEXPIRE', roomsKey, nodeTtl) end
return served
`;

// Gives up a lease only if this node still holds it (compare-and-delete).
const RELEASE_LEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0
`;

interface ScriptedRedis extends Redis {
  saporaRenewNode(...args: (string | number)[]): Promise<string[]>;
  saporaReleaseLease(...args: (string | number)[]): Promise<number>;
}

export interface NodeIdentity {
  kind: MediaKind;
  host: string;
  port: number;
  capacity: number;
}

/**
 * A media node's registration: renews its record and its rooms' leases every NODE_RENEW_MS.
 * Draining marks it so that control moves its rooms elsewhere, which this node then sees as
 * leases it no longer holds.
 */
export class NodeRegistry {
  readonly nodeId = randomUUID();
  readonly #redis: ScriptedRedis;
  readonly #identity: NodeIdentity;
  readonly #load: () => NodeLoad;
  readonly #onError: (error: unknown) => void;
  readonly #startedAtMs = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #draining = false;
  #rooms: string[] = [];

  constructor(
    redis: Redis,
    identity: NodeIdentity,
    load: () => NodeLoad,
    onError: (error: unknown) => void,
  ) {
    redis.defineCommand('saporaRenewNode', { numberOfKeys: 3, lua: RENEW_NODE_LUA });
    redis.defineCommand('saporaReleaseLease', { numberOfKeys: 2, lua: RELEASE_LEASE_LUA });
    this.#redis = redis as ScriptedRedis;
    this.#identity = identity;
    this.#load = load;
    this.#onError = onError;
  }

  /** Rooms this node served at its last renewal. */
  get rooms(): readonly string[] {
    return this.#rooms;
  }

  /** Where clients reach this node. */
  get address(): { host: string; port: number } {
    return { host: this.#identity.host, port: this.#identity.port };
  }

  get draining(): boolean {
    return this.#draining;
  }

  record(): NodeRecord {
    return {
      nodeId: this.nodeId,
      ...this.#identity,
      load: this.#load(),
      draining: this.#draining,
      startedAtMs: this.#startedAtMs,
      renewedAtMs: Date.now(),
    };
  }

  /** Registers now and keeps renewing. */
  async start(): Promise<void> {
    await this.renew();
    this.#timer = setInterval(() => {
      this.renew().catch(this.#onError);
    }, NODE_RENEW_MS);
    this.#timer.unref();
  }

  async renew(): Promise<string[]> {
    const { kind } = this.#identity;
    const [roomPrefix, leaseSuffix] = RedisKeys.roomLease('\0', kind).split('\0');
    this.#rooms = await this.#redis.saporaRenewNode(
      RedisKeys.node(this.nodeId),
      RedisKeys.nodesOfKind(kind),
      RedisKeys.nodeRooms(this.nodeId),
      JSON.stringify(this.record()),
      NODE_STALE_MS,
      PLACEMENT_LEASE_MS,
      this.nodeId,
      roomPrefix,
      leaseSuffix,
    );
    return this.#rooms;
  }

  /**
   * Stops taking rooms and waits until control has moved every room away (or `graceMs` has
   * passed), so clients switch while this node still serves them.
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    const deadline = Date.now() + graceMs;
    for (;;) {
      const rooms = await this.renew();
      if (rooms.length === 0 || Date.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Gives up one room's lease (compare-and-delete): control places the room again. */
  async release(meetingId: string): Promise<boolean> {
    const released = await this.#redis.saporaReleaseLease(
      RedisKeys.roomLease(meetingId, this.#identity.kind),
      RedisKeys.nodeRooms(this.nodeId),
      this.nodeId,
      meetingId,
    );
    return released === 1;
  }

  /** Stops renewing and removes the registration. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#redis
      .multi()
      .del(RedisKeys.node(this.nodeId))
      .srem(RedisKeys.nodesOfKind(this.#identity.kind), this.nodeId)
      .exec();
  }
}
