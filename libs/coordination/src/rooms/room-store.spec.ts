import { startRedis, TestRedis } from '@sapora/testing';
import Redis from 'ioredis';
import { ChatHistory, StoredChatMessage } from '../chat/chat-history';
import { RedisKeys } from '../keys/redis-keys';
import { RoomStore } from './room-store';

describe('RoomStore and ChatHistory on a real Redis', () => {
  let server: TestRedis;
  let redis: Redis;
  let store: RoomStore;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    store = new RoomStore(redis, 1_000);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const join = (username: string, meetingId: string, passcode = '', resumeToken = '') =>
    store.join({ username, meetingId, passcode, ip: '127.0.0.1', resumeToken });

  it('keeps names unique per room, case-insensitively, and frees a name on leave', async () => {
    const ann = await join('Ann', 'r1');
    expect(ann.ok).toBe(true);
    expect(await join('ANN', 'r1')).toEqual({ ok: false, reason: 'USERNAME_TAKEN' });
    expect((await join('ann', 'r2')).ok).toBe(true);
    if (!ann.ok) throw new Error('unreachable');
    expect(ann.member.token).toMatch(/^[0-9a-f]{32}$/);
    expect(await redis.pttl(RedisKeys.session(ann.member.token))).toBeGreaterThan(900);

    const left = await store.leave('r1', ann.member.participantId);
    expect(left?.username).toBe('Ann');
    expect(await store.leave('r1', ann.member.participantId)).toBeNull();
    expect((await join('anN', 'r1')).ok).toBe(true);
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
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await store.renew(busy.member)).toBe(true);
    const firstSweep = await store.expire(Date.now() + 500);
    expect(firstSweep.map((m) => m.username)).toEqual(['Quiet']);
    expect(await store.expire(Date.now() + 500)).toEqual([]);
    expect((await store.members('sweep')).map((m) => m.username)).toEqual(['Busy']);

    expect((await store.expire(Date.now() + 2_000)).map((m) => m.username)).toEqual(['Busy']);
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
});
