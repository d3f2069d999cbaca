import { usernameKey } from '@sapora/protocol';
import { startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { ChatHistory, StoredChatMessage } from '../chat/chat-history';
import { deadlineMember, RedisKeys } from '../keys/redis-keys';
import { MemberRecord } from './room-records';
import { RoomStore } from './room-store';

/** Long enough that no session here ends by itself, however slow the machine. */
const IDLE_MS = 60_000;

describe('RoomStore and ChatHistory on a real Redis', () => {
  let server: TestRedis;
  let redis: Redis;
  let store: RoomStore;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    store = new RoomStore(redis, IDLE_MS);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const join = (username: string, meetingId: string, passcode = '', resumeToken = '') =>
    store.join({
      username,
      nameKey: usernameKey(username),
      meetingId,
      passcode,
      ip: '127.0.0.1',
      resumeToken,
    });

  it('keeps names unique per room, case-insensitively, and frees a name on leave', async () => {
    const ann = await join('Ann', 'r1');
    expect(ann.ok).toBe(true);
    expect(await join('ANN', 'r1')).toEqual({ ok: false, reason: 'USERNAME_TAKEN' });
    expect((await join('ann', 'r2')).ok).toBe(true);
    if (!ann.ok) throw new Error('unreachable');
    expect(ann.member.token).toMatch(/^[0-9a-f]{32}$/);
    const ttl = await redis.pttl(RedisKeys.session(ann.member.mediaToken));
    expect(ttl).toBeGreaterThan(IDLE_MS - 10_000);
    expect(ttl).toBeLessThanOrEqual(IDLE_MS);

    const left = await store.leave('r1', ann.member.participantId);
    expect(left?.member.username).toBe('Ann');
    expect(await store.leave('r1', ann.member.participantId)).toBeNull();
    expect((await join('anN', 'r1')).ok).toBe(true);
  });

  it('gives each room a media key that changes whenever someone leaves, and sealed sessions a key of their own', async () => {
    const first = await store.join({
      username: 'Kay',
      nameKey: 'kay',
      meetingId: 'keys',
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
      sealedMedia: true,
    });
    const second = await join('Lou', 'keys');
    const third = await join('Max', 'keys');
    if (!first.ok || !second.ok || !third.ok) throw new Error('join failed');
    expect(first.member.mediaKey).toMatch(/^[0-9a-f]{32}$/);
    expect(second.member.mediaKey).toBeUndefined();
    expect(first.roomKey.epoch).toBe(0);
    expect(first.roomKey.key).toMatch(/^[0-9a-f]{32}$/);
    expect(second.roomKey).toEqual(first.roomKey);
    const left = await store.leave('keys', second.member.participantId);
    expect(left?.roomKey?.epoch).toBe(1);
    expect(left?.roomKey?.key).not.toBe(first.roomKey.key);
    expect(await store.roomMediaKey('keys')).toEqual(left?.roomKey);
    const resumed = await join('kay', 'keys', '', first.member.token);
    expect(resumed.ok && resumed.roomKey).toEqual(left?.roomKey);
    expect(resumed.ok && resumed.member.mediaKey).toBe(first.member.mediaKey);
    await store.leave('keys', third.member.participantId);
    const last = await store.leave('keys', first.member.participantId);
    expect(last?.member.username).toBe('Kay');
    expect(last?.roomKey).toBeUndefined();
    expect(await store.roomMediaKey('keys')).toBeNull();
    const reopened = await join('Ned', 'keys');
    expect(reopened.ok && reopened.roomKey.epoch).toBe(0);
    expect(reopened.ok && reopened.roomKey.key).not.toBe(first.roomKey.key);
  });

  it('lets the first member set the passcode; later members must match it', async () => {
    const host = await join('Host', 'locked', 'pw');
    expect(await join('Guest', 'locked', 'nope')).toEqual({ ok: false, reason: 'WRONG_PASSCODE' });
    expect(await join('Guest', 'locked', '')).toEqual({ ok: false, reason: 'WRONG_PASSCODE' });
    expect((await join('Guest', 'locked', 'pw')).ok).toBe(true);
    expect(await redis.get(RedisKeys.roomPasscode('locked'))).not.toContain('pw');
    if (!host.ok) throw new Error('unreachable');
  });

  it('resumes a live session by token, name (any case) and meeting only', async () => {
    const outcome = await join('Res', 'resume');
    if (!outcome.ok) throw new Error('join failed');
    const { token, participantId } = outcome.member;
    expect(await join('res', 'resume', '', token)).toMatchObject({
      ok: true,
      resumed: true,
      member: { participantId },
    });
    expect(await join('Res', 'other', '', token)).toEqual({ ok: false, reason: 'SESSION_EXPIRED' });
    expect(await join('Someone', 'resume', '', token)).toEqual({
      ok: false,
      reason: 'SESSION_EXPIRED',
    });
    expect(await join('Res', 'resume', '', 'ff'.repeat(16))).toEqual({
      ok: false,
      reason: 'SESSION_EXPIRED',
    });
  });

  it('expires only sessions past their deadline, once, and closes the empty room', async () => {
    await redis.flushall();
    const quiet = await join('Quiet', 'sweep');
    const busy = await join('Busy', 'sweep');
    if (!quiet.ok || !busy.ok) throw new Error('join failed');
    const deadline = async (member: MemberRecord): Promise<number> =>
      Number(
        await redis.zscore(
          RedisKeys.sessionDeadlines,
          deadlineMember(member.meetingId, member.participantId),
        ),
      );
    const quietDeadline = await deadline(quiet.member);
    // Busy heartbeats; renewed within the same millisecond as the joins its deadline would not
    // move past Quiet's, so it renews until it has.
    await waitFor(
      async () => {
        expect(await store.renew(busy.member)).toBe(true);
        return (await deadline(busy.member)) > quietDeadline;
      },
      { intervalMs: 1, what: "Busy's deadline to pass Quiet's" },
    );
    // A sweep at Quiet's deadline.
    const firstSweep = await store.expire(quietDeadline);
    expect(firstSweep.map((m) => m.member.username)).toEqual(['Quiet']);
    expect(await store.expire(quietDeadline)).toEqual([]);
    expect((await store.members('sweep')).map((m) => m.username)).toEqual(['Busy']);

    const busyDeadline = await deadline(busy.member);
    expect((await store.expire(busyDeadline)).map((m) => m.member.username)).toEqual(['Busy']);
    expect(await store.renew(busy.member)).toBe(false);
    expect(await redis.exists(RedisKeys.roomMembers('sweep'), RedisKeys.roomNames('sweep'))).toBe(
      0,
    );
    expect(await store.rooms()).not.toContain('sweep');
  });

  it('keeps the last N messages and shows private ones only to their two ends', async () => {
    const history = new ChatHistory(redis, 5);
    const message = (i: number, extra: Partial<StoredChatMessage> = {}): StoredChatMessage => ({
      messageId: `m${i}`,
      fromId: 'a',
      from: 'A',
      to: '',
      toId: '',
      text: `text ${i}`,
      sentAtMs: i,
      private: false,
      ...extra,
    });
    for (let i = 1; i <= 6; i++) await history.append('chat', message(i));
    await history.append('chat', message(7, { private: true, to: 'B', toId: 'b' }));
    expect((await history.visibleTo('chat', 'c')).map((m) => m.messageId)).toEqual([
      'm3',
      'm4',
      'm5',
      'm6',
    ]);
    expect((await history.visibleTo('chat', 'b')).map((m) => m.messageId)).toEqual([
      'm3',
      'm4',
      'm5',
      'm6',
      'm7',
    ]);
    expect((await history.visibleTo('chat', 'a')).map((m) => m.messageId)).toEqual([
      'm3',
      'm4',
      'm5',
      'm6',
      'm7',
    ]);
  });

  it('never brings back a member that left: flag changes racing leaves leave no key without a TTL', async () => {
    const rounds = 200;
    for (let i = 0; i < rounds; i++) {
      const meetingId = `race-${i % 7}`;
      const host = await join(`host${i}`, meetingId, 'secret');
      const guest = await join(`guest${i}`, meetingId, 'secret');
      if (!host.ok || !guest.ok) throw new Error(`round ${i}: join failed`);
      // The presenter stops sharing (or mutes) exactly as they leave, in every interleaving.
      const update = (member: typeof host.member, patch: object) =>
        store.updateMember(member.meetingId, member.participantId, patch);
      const order = i % 3;
      await Promise.all(
        order === 0
          ? [
              update(guest.member, { presenting: false }),
              store.leave(meetingId, guest.member.participantId),
            ]
          : order === 1
            ? [
                store.leave(meetingId, guest.member.participantId),
                update(guest.member, { muted: true }),
              ]
            : [
                update(guest.member, { presenting: true }),
                store.leave(meetingId, guest.member.participantId),
                update(guest.member, { presenting: false }),
              ],
      );
      await Promise.all([
        update(host.member, { muted: true }),
        store.leave(meetingId, host.member.participantId),
      ]);
    }
    // Every room is empty again: nothing of Sapora's may remain that would never expire.
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: 'sapora:*', count: 500 }))
      keys.push(...(batch as string[]));
    const forever = [];
    for (const key of keys) if ((await redis.pttl(key)) === -1) forever.push(key);
    expect(
      forever.filter(
        (key) => key.startsWith('sapora:room:race-') || key.startsWith('sapora:session:'),
      ),
    ).toEqual([]);
    expect(await store.members('race-0')).toEqual([]);
    // The room's passcode went with its last member, and a newcomer sets it afresh.
    expect((await join('newcomer', 'race-0', 'other')).ok).toBe(true);
  });

  it('changes nothing for a member who has left, and says so', async () => {
    const gone = await join('Gone', 'flags');
    if (!gone.ok) throw new Error('join failed');
    await store.leave('flags', gone.member.participantId);
    expect(
      await store.updateMember('flags', gone.member.participantId, { muted: true }),
    ).toBeNull();
    expect(await redis.exists(RedisKeys.session(gone.member.mediaToken))).toBe(0);
    expect(await redis.hlen(RedisKeys.roomMembers('flags'))).toBe(0);
  });
});
