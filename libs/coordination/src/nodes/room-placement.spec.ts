import { usernameKey } from '@sapora/protocol';
import { startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { RedisKeys } from '../keys/redis-keys';
import { RoomStore } from '../rooms/room-store';
import { MediaKind } from '@sapora/protocol';
import { NodeLoad } from './node-records';
import { NodeRegistry } from './node-registry';
import { CHOOSE_NODE_LUA } from './node-selection';
import { RoomPlacement } from './room-placement';

const IDLE = { rooms: 0, participants: 0, cpuPercent: 0 };

describe('RoomPlacement and NodeRegistry on a real Redis', () => {
  let server: TestRedis;
  const connections: Redis[] = [];
  const registries: NodeRegistry[] = [];

  const connect = (): Redis => {
    const redis = new Redis(server.url);
    connections.push(redis);
    return redis;
  };

  async function node(
    kind: MediaKind,
    capacity: number,
    load: NodeLoad = IDLE,
  ): Promise<NodeRegistry> {
    const registry = new NodeRegistry(
      connect(),
      { kind, host: '10.0.0.1', port: 6001, capacity },
      () => load,
      (error) => {
        throw error;
      },
    );
    await registry.renew();
    registries.push(registry);
    return registry;
  }

  beforeAll(async () => {
    server = await startRedis();
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((registry) => registry.stop()));
    await connections[0]?.flushall();
  });

  afterAll(async () => {
    connections.forEach((redis) => redis.disconnect());
    await server.stop();
  });

  it('chooses by load, then rooms, then id, only a node with room for what the room brings', async () => {
    const redis = connect();
    const choose = async (
      candidates: { id: string; capacity: number; load: number; rooms: number }[],
      need: number,
    ): Promise<string | null> =>
      (await redis.eval(
        `${CHOOSE_NODE_LUA}
        local candidates = cjson.decode(ARGV[1])
        local chosen = choose_node(candidates, tonumber(ARGV[2]))
        if chosen then return candidates[chosen].id end
        return false`,
        0,
        JSON.stringify(candidates),
        need,
      )) as string | null;
    const nodes = [
      { id: 'b', capacity: 10, load: 3, rooms: 1 },
      { id: 'a', capacity: 10, load: 3, rooms: 1 },
      { id: 'c', capacity: 10, load: 3, rooms: 2 },
      { id: 'd', capacity: 10, load: 5, rooms: 0 },
    ];
    expect(await choose(nodes, 1)).toBe('a');
    // A room of eight that moves fits only where eight more stay within capacity.
    expect(await choose([...nodes, { id: 'e', capacity: 100, load: 50, rooms: 9 }], 8)).toBe('e');
    expect(await choose([{ id: 'full', capacity: 4, load: 4, rooms: 1 }], 1)).toBeNull();
    expect(await choose([], 1)).toBeNull();
  });

  it('places a room once: two control instances placing it at once agree on the node', async () => {
    const nodes = await Promise.all([node('audio', 100), node('audio', 100), node('audio', 100)]);
    const instances = [new RoomPlacement(connect()), new RoomPlacement(connect())];
    for (let room = 0; room < 30; room++) {
      const outcomes = await Promise.all(
        [...instances, ...instances].map((placement) => placement.place(`r${room}`, 'audio')),
      );
      const chosen = new Set(outcomes.map((outcome) => outcome.node?.nodeId));
      expect(chosen.size).toBe(1);
      expect(outcomes.filter((outcome) => outcome.node !== null && outcome.moved)).toHaveLength(1);
    }
    // Empty rooms are spread by room count: ten each.
    await Promise.all(nodes.map((registry) => registry.renew()));
    expect(nodes.map((registry) => registry.rooms.length).sort()).toEqual([10, 10, 10]);
  });

  it('puts a new room on the node with the fewest participants, and refuses a join past capacity', async () => {
    const store = new RoomStore(connect(), 10_000);
    const placement = new RoomPlacement(connect());
    const small = await node('audio', 3);
    const big = await node('audio', 100);
    const join = (name: string, meetingId: string, nodeId: string, capacity: number) =>
      store.join({
        username: name,
        nameKey: usernameKey(name),
        meetingId,
        passcode: '',
        ip: '127.0.0.1',
        resumeToken: '',
        capacity: [{ kind: 'audio', nodeId, capacity }],
      });
    // Put the first room on the small node and fill it.
    expect((await placement.place('crowded', 'audio', big.nodeId)).node?.nodeId).toBe(small.nodeId);
    for (const name of ['a', 'b', 'c'])
      expect((await join(name, 'crowded', small.nodeId, 3)).ok).toBe(true);
    // The next room goes to the other node: it has no participants.
    expect((await placement.place('quiet', 'audio')).node?.nodeId).toBe(big.nodeId);
    // A fourth participant does not fit the small node; nothing is written.
    expect(await join('d', 'crowded', small.nodeId, 3)).toEqual({
      ok: false,
      reason: 'NO_CAPACITY',
      kind: 'audio',
    });
    expect(await store.members('crowded')).toHaveLength(3);
  });

  /**
   * Joins the way control does: place the room's audio, then join within the node's capacity;
   * a refused join lets go of a room nobody is in.
   */
  async function burst(
    rooms: number,
    seats: number,
    capacity: number,
  ): Promise<{ perNode: Map<string, number>; refused: number }> {
    const stores = [new RoomStore(connect(), 10_000), new RoomStore(connect(), 10_000)];
    const instances = [new RoomPlacement(connect()), new RoomPlacement(connect())];
    const perNode = new Map<string, number>();
    let refused = 0;
    await Promise.all(
      Array.from({ length: rooms * seats }, async (_, i) => {
        const [room, seat] = [i % rooms, Math.floor(i / rooms)];
        const placed = await instances[i % 2].place(`burst${room}`, 'audio');
        if (placed.node === null) {
          expect(placed).toMatchObject({ reason: 'full' });
          await instances[i % 2].releaseIfEmpty(`burst${room}`);
          refused++;
          return;
        }
        const joined = await stores[i % 2].join({
          username: `p${seat}`,
          nameKey: `p${seat}`,
          meetingId: `burst${room}`,
          passcode: '',
          ip: '127.0.0.1',
          resumeToken: '',
          capacity: [{ kind: 'audio', nodeId: placed.node.nodeId, capacity }],
        });
        if (!joined.ok) {
          expect(joined).toEqual({ ok: false, reason: 'NO_CAPACITY', kind: 'audio' });
          await instances[i % 2].releaseIfEmpty(`burst${room}`);
          refused++;
          return;
        }
        perNode.set(placed.node.nodeId, (perNode.get(placed.node.nodeId) ?? 0) + 1);
      }),
    );
    return { perNode, refused };
  }

  it('spreads a burst of new rooms from two control instances evenly over the nodes', async () => {
    const nodes = await Promise.all([node('audio', 1_000), node('audio', 1_000)]);
    const { perNode, refused } = await burst(40, 3, 1_000);
    expect(refused).toBe(0);
    const counts = nodes.map((registry) => perNode.get(registry.nodeId) ?? 0);
    expect(counts[0] + counts[1]).toBe(120);
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThanOrEqual(1.25);
  });

  it('never takes a node past its capacity in a burst, and refuses the rest clearly', async () => {
    const nodes = await Promise.all([node('audio', 30), node('audio', 30)]);
    const { perNode, refused } = await burst(40, 3, 30);
    const counts = nodes.map((registry) => perNode.get(registry.nodeId) ?? 0);
    for (const count of counts) expect(count).toBeLessThanOrEqual(30);
    // Both nodes are used up (all but a seat or so, when the last joins race), and everyone
    // else was told there is no room.
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(28);
    expect(counts[0] + counts[1] + refused).toBe(120);
  });

  it('says a room needs a node again when its lease lapses, its node drains or goes, and not before', async () => {
    const placement = new RoomPlacement(connect());
    const store = new RoomStore(connect(), 10_000);
    const audio = await node('audio', 100);
    const joined = await store.join({
      username: 'x',
      nameKey: 'x',
      meetingId: 'watched',
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
    });
    expect(joined.ok).toBe(true);
    expect((await placement.place('watched', 'audio')).node?.nodeId).toBe(audio.nodeId);
    expect(await placement.roomsToPlace()).toEqual([]);
    // The node renews: the lease holds. It stops renewing: the lease lapses first.
    await audio.renew();
    expect(await connections[0].pttl(RedisKeys.roomLease('watched', 'audio'))).toBeGreaterThan(
      3_000,
    );
    await connections[0].del(RedisKeys.roomLease('watched', 'audio'));
    expect(await placement.roomsToPlace()).toEqual([
      { meetingId: 'watched', kind: 'audio', previous: audio.nodeId, reason: 'lapsed' },
    ]);
    // Placing it again skips the node that let it lapse, while another is there.
    const other = await node('audio', 100);
    expect((await placement.place('watched', 'audio', audio.nodeId)).node?.nodeId).toBe(
      other.nodeId,
    );
    // The old node's next renewal finds the lease gone and lets the room go.
    expect(await audio.renew()).toEqual([]);
    // A draining node's rooms must move.
    await other.drain(0);
    expect(await placement.roomsToPlace()).toEqual([
      { meetingId: 'watched', kind: 'audio', previous: other.nodeId, reason: 'draining' },
    ]);
    expect((await placement.place('watched', 'audio')).node?.nodeId).toBe(audio.nodeId);
    await waitFor(async () => (await other.renew()).length === 0, {
      what: 'the drained room gone',
    });
    // The last member leaves: the room's leases and placement go with it.
    if (!joined.ok) throw new Error('unreachable');
    await store.leave('watched', joined.member.participantId);
    expect(
      await connections[0].exists(
        RedisKeys.roomLease('watched', 'audio'),
        RedisKeys.roomPlacement('watched'),
      ),
    ).toBe(0);
    expect(await audio.renew()).toEqual([]);
  });

  it('moves a room only to a node with room for all its members', async () => {
    const placement = new RoomPlacement(connect());
    const store = new RoomStore(connect(), 10_000);
    const first = await node('audio', 100);
    for (const name of ['a', 'b', 'c'])
      expect(
        (
          await store.join({
            username: name,
            nameKey: name,
            meetingId: 'trio',
            passcode: '',
            ip: '127.0.0.1',
            resumeToken: '',
          })
        ).ok,
      ).toBe(true);
    expect((await placement.place('trio', 'audio')).node?.nodeId).toBe(first.nodeId);
    // Its node lets the lease lapse; the only other node takes two at most.
    const small = await node('audio', 2);
    await connections[0].del(RedisKeys.roomLease('trio', 'audio'));
    expect(await placement.place('trio', 'audio', first.nodeId)).toEqual({
      kind: 'audio',
      node: null,
      reason: 'full',
    });
    // A node with room for three takes it.
    const roomy = await node('audio', 3);
    expect((await placement.place('trio', 'audio', first.nodeId)).node?.nodeId).toBe(roomy.nodeId);
    expect(await small.renew()).toEqual([]);
  });

  it('lets go of a room nobody joined (a refused first join), and never of one with members', async () => {
    const placement = new RoomPlacement(connect());
    const store = new RoomStore(connect(), 10_000);
    const audio = await node('audio', 100);
    await node('video', 100);
    await placement.placeAll('refused');
    await placement.placeAll('joined');
    const joined = await store.join({
      username: 'x',
      nameKey: 'x',
      meetingId: 'joined',
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
    });
    expect(joined.ok).toBe(true);
    expect(await placement.releaseIfEmpty('refused')).toBe(true);
    expect(await placement.releaseIfEmpty('joined')).toBe(false);
    const redis = connections[0];
    expect(
      await redis.exists(
        RedisKeys.roomLease('refused', 'audio'),
        RedisKeys.roomLease('refused', 'video'),
        RedisKeys.roomPlacement('refused'),
      ),
    ).toBe(0);
    // Its node no longer counts it, at once (not only at its next renewal).
    expect(await redis.smembers(RedisKeys.nodeRooms(audio.nodeId))).toEqual(['joined']);
    expect((await placement.current('joined', 'audio'))?.nodeId).toBe(audio.nodeId);
  });

  it('has no node to give when none of the kind is registered, and lists what is', async () => {
    const placement = new RoomPlacement(connect());
    expect(await placement.place('lonely', 'screen')).toEqual({
      kind: 'screen',
      node: null,
      reason: 'none',
    });
    const files = await node('files', 50, { rooms: 1, participants: 2, cpuPercent: 3 });
    await placement.place('lonely', 'files');
    await files.renew();
    const [listing] = await placement.nodes();
    expect(listing.node).toMatchObject({ nodeId: files.nodeId, kind: 'files', capacity: 50 });
    expect(listing.rooms).toEqual(['lonely']);
  });
});
