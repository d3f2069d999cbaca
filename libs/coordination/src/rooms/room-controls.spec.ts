import { usernameKey } from '@sapora/protocol';
import { startRedis, TestRedis } from '@sapora/testing';
import Redis from 'ioredis';
import { RoomControls } from './room-controls';
import { MemberRecord } from './room-records';
import { JoinParams, RoomStore } from './room-store';

const IDLE_MS = 60_000;

describe('RoomControls and the host rules of RoomStore on a real Redis', () => {
  let server: TestRedis;
  let redis: Redis;
  let store: RoomStore;
  let controls: RoomControls;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    store = new RoomStore(redis, IDLE_MS);
    controls = new RoomControls(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  async function join(
    username: string,
    meetingId: string,
    extra: Partial<JoinParams> = {},
  ): Promise<MemberRecord> {
    const outcome = await store.join({
      username,
      nameKey: usernameKey(username),
      meetingId,
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
      ...extra,
    });
    if (!outcome.ok) throw new Error(`${username} refused: ${outcome.reason}`);
    return outcome.member;
  }

  const refusal = async (username: string, meetingId: string, extra: Partial<JoinParams> = {}) => {
    const outcome = await store.join({
      username,
      nameKey: usernameKey(username),
      meetingId,
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
      ...extra,
    });
    return outcome.ok ? 'OK' : outcome.reason;
  };

  it('makes the first member host and hands the role to the longest present on leave', async () => {
    const ann = await join('Ann', 'succession');
    const ben = await join('Ben', 'succession');
    const cat = await join('Cat', 'succession');
    expect((await controls.state('succession')).hostId).toBe(ann.participantId);
    await store.leave('succession', ben.participantId);
    expect((await controls.state('succession')).hostId).toBe(ann.participantId);
    await store.leave('succession', ann.participantId);
    expect((await controls.state('succession')).hostId).toBe(cat.participantId);
    await store.leave('succession', cat.participantId);
    expect(await controls.state('succession')).toEqual({
      hostId: '',
      locked: false,
      raisedHands: [],
    });
  });

  it('lets the meeting owner take the role on joining, past a lock', async () => {
    const ann = await join('Ann', 'owned');
    expect((await controls.change('owned', ann.participantId, { op: 'lock' })).ok).toBe(true);
    expect(await refusal('Ben', 'owned')).toBe('ROOM_LOCKED');
    const owner = await join('Olga', 'owned', { owner: true });
    expect((await controls.state('owned')).hostId).toBe(owner.participantId);
  });

  it('changes only while the actor is host; names the host otherwise', async () => {
    const ann = await join('Ann', 'guarded');
    const ben = await join('Ben', 'guarded');
    expect(await controls.change('guarded', ben.participantId, { op: 'lock' })).toEqual({
      ok: false,
      reason: 'NOT_HOST',
      hostId: ann.participantId,
    });
    expect((await controls.state('guarded')).locked).toBe(false);
    const muted = await controls.change('guarded', ann.participantId, {
      op: 'mute',
      targetId: ben.participantId,
      by: 'Ann',
    });
    expect(muted.ok && muted.member).toMatchObject({ muted: true, mutedBy: 'Ann' });
    expect(await store.getSession(ben.token)).toMatchObject({ muted: true, mutedBy: 'Ann' });
    expect(
      await controls.change('guarded', ann.participantId, { op: 'make-host', targetId: 'nobody' }),
    ).toEqual({ ok: false, reason: 'NO_SUCH_PARTICIPANT' });
    await controls.change('guarded', ann.participantId, {
      op: 'make-host',
      targetId: ben.participantId,
    });
    expect((await controls.state('guarded')).hostId).toBe(ben.participantId);
    expect((await controls.change('guarded', ann.participantId, { op: 'lock' })).ok).toBe(false);
  });

  it('bans a removed name until the host allows it, and a ban outlives nothing else', async () => {
    const ann = await join('Ann', 'bans');
    const ben = await join('Ben', 'bans');
    await controls.change(
      'bans',
      ann.participantId,
      { op: 'ban', nameKey: ben.nameKey, untilMs: Date.now() + 60_000 },
      60_000,
    );
    await store.leave('bans', ben.participantId);
    expect(await refusal('BEN', 'bans')).toBe('REMOVED');
    expect(await controls.bannedUntil('bans', ben.nameKey)).toBeGreaterThan(Date.now());
    await controls.change('bans', ann.participantId, { op: 'allow', nameKey: ben.nameKey });
    expect(await refusal('Ben', 'bans')).toBe('OK');
  });

  it('keeps raised hands in raise order; leaving lowers a hand', async () => {
    const ann = await join('Ann', 'hands');
    const ben = await join('Ben', 'hands');
    const cat = await join('Cat', 'hands');
    await controls.setHand('hands', cat.participantId, true, 1);
    await controls.setHand('hands', ann.participantId, true, 2);
    await controls.setHand('hands', ben.participantId, true, 3);
    // Raising again keeps the place in the queue.
    await controls.setHand('hands', cat.participantId, true, 4);
    expect((await controls.state('hands')).raisedHands).toEqual([
      cat.participantId,
      ann.participantId,
      ben.participantId,
    ]);
    expect(await controls.setHand('hands', 'stranger', true)).toBe(false);
    await controls.change('hands', ann.participantId, {
      op: 'lower-hand',
      targetId: cat.participantId,
    });
    await store.leave('hands', ben.participantId);
    expect((await controls.state('hands')).raisedHands).toEqual([ann.participantId]);
  });
});
