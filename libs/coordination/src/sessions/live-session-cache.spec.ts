import { encodeAudioDatagram } from '@sapora/protocol';
import { startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { RoomStore } from '../rooms/room-store';
import { LiveSessionCache } from './live-session-cache';
import { mediaTokenOf } from './media-token';

describe('LiveSessionCache', () => {
  let server: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('admits a live token after one Redis lookup, refuses garbage and unknown tokens, and forgets on leave', async () => {
    const store = new RoomStore(redis, 10_000);
    const joined = await store.join({
      username: 'ann',
      nameKey: 'ann',
      meetingId: 'm',
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
    });
    if (!joined.ok) throw new Error('join failed');
    const cache = new LiveSessionCache(store, 1_000);
    const counters = { received: 0, malformed: 0, unauthenticated: 0 };
    // Datagrams carry the media token; the session token they never carry is not admitted.
    const token = Buffer.from(joined.member.mediaToken, 'hex');
    expect(joined.member.mediaToken).toBe(mediaTokenOf(joined.member.token));
    const datagram = encodeAudioDatagram(token, 1, 512, new Int16Array(4));
    const withSessionToken = encodeAudioDatagram(
      Buffer.from(joined.member.token, 'hex'),
      1,
      512,
      new Int16Array(4),
    );

    expect(cache.admit(datagram, counters, () => true)).toBeNull();
    await waitFor(() => cache.get(joined.member.mediaToken) !== undefined, { what: 'the lookup' });
    expect(cache.admit(withSessionToken, counters, () => true)).toBeNull();
    expect(cache.admit(datagram, counters, () => true)?.session).toEqual({
      participantId: joined.member.participantId,
      meetingId: 'm',
      muted: false,
    });
    expect(cache.admit(Buffer.from('nope'), counters, () => true)).toBeNull();
    expect(
      cache.admit(encodeAudioDatagram(Buffer.alloc(16, 1), 1, 1, null), counters, () => true),
    ).toBeNull();
    expect(counters).toEqual({ received: 5, malformed: 1, unauthenticated: 3 });

    // A mute (by the host or themselves) reaches the cached session in place.
    const event = {
      meetingId: 'm',
      participantId: joined.member.participantId,
      username: 'ann',
      token: joined.member.token,
      muted: true,
      presenting: false,
      atMs: 0,
      controlId: 'c',
    };
    expect(cache.apply({ ...event, kind: 'updated' })).toBe(false);
    expect(cache.admit(datagram, counters, () => true)?.session.muted).toBe(true);
    cache.apply({ ...event, kind: 'updated', muted: false });
    expect(cache.get(joined.member.mediaToken)?.muted).toBe(false);

    expect(
      cache.apply({
        kind: 'left',
        meetingId: 'm',
        participantId: joined.member.participantId,
        username: 'ann',
        token: joined.member.token,
        muted: false,
        presenting: false,
        atMs: 0,
        controlId: 'c',
      }),
    ).toBe(true);
    expect(cache.get(joined.member.mediaToken)).toBeUndefined();
  });
});
