import {
  deriveMediaKey,
  encodeAudioDatagram,
  encodeKeepalive,
  MediaSealer,
} from '@sapora/protocol';
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

    expect(cache.admit(datagram, counters, () => true, 'audio')).toBeNull();
    await waitFor(() => cache.get(joined.member.mediaToken) !== undefined, { what: 'the lookup' });
    expect(cache.admit(withSessionToken, counters, () => true, 'audio')).toBeNull();
    expect(cache.admit(datagram, counters, () => true, 'audio')?.session).toMatchObject({
      participantId: joined.member.participantId,
      meetingId: 'm',
      muted: false,
    });
    expect(cache.admit(Buffer.from('nope'), counters, () => true, 'audio')).toBeNull();
    expect(
      cache.admit(
        encodeAudioDatagram(Buffer.alloc(16, 1), 1, 1, null),
        counters,
        () => true,
        'audio',
      ),
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
    expect(cache.admit(datagram, counters, () => true, 'audio')?.session.muted).toBe(true);
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

  it('admits a sealed session only sealed under its key, once, and learns its room key', async () => {
    const store = new RoomStore(redis, 10_000);
    const joined = await store.join({
      username: 'bo',
      nameKey: 'bo',
      meetingId: 'sealed',
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
      sealedMedia: true,
    });
    if (!joined.ok || joined.member.mediaKey === undefined) throw new Error('join failed');
    const cache = new LiveSessionCache(store, 1_000, 50);
    const counters = { received: 0, malformed: 0, unauthenticated: 0 };
    const token = Buffer.from(joined.member.mediaToken, 'hex');
    const base = Buffer.from(joined.member.mediaKey, 'hex');
    const sealer = new MediaSealer(deriveMediaKey(base, 'video', 'up'));
    const samples = Int16Array.from([1, 2, 3, 4]);
    const plain = encodeAudioDatagram(token, 7, 512, samples);
    const first = sealer.seal(plain);
    expect(cache.admit(first, counters, () => true, 'video')).toBeNull();
    await waitFor(() => cache.get(joined.member.mediaToken) !== undefined, { what: 'the lookup' });
    expect(cache.roomKey('sealed')).toEqual({
      epoch: 0,
      key: Buffer.from(joined.roomKey.key, 'hex'),
    });
    // Opened where it arrived (a copy here: the original is replayed below).
    const admitted = cache.admitInPlace(Buffer.from(first), counters, 'video');
    if (admitted === null || typeof admitted !== 'object') throw new Error('not admitted');
    expect(Buffer.concat([admitted.header.subarray(0, 28), admitted.body]).equals(plain)).toBe(
      true,
    );
    expect(admitted.whole).toBeNull();
    // Replayed, plain, bit-flipped, or sealed for the other kind: each counted, none admitted.
    const flipped = sealer.seal(plain);
    flipped[flipped.length - 20] ^= 1;
    const otherKind = new MediaSealer(deriveMediaKey(base, 'audio', 'up')).seal(plain);
    for (const bytes of [first, plain, flipped, otherKind])
      expect(cache.admitInPlace(bytes, counters, 'video')).toBeNull();
    expect(counters).toEqual({ received: 6, malformed: 0, unauthenticated: 5 });
    const keepalive = cache.admit(
      sealer.seal(encodeKeepalive(token, 8)),
      counters,
      () => true,
      'video',
    );
    expect(keepalive?.datagram.sequence).toBe(8);

    // A leave changes the room key: media services switch after the grace period.
    const other = await store.join({
      username: 'cy',
      nameKey: 'cy',
      meetingId: 'sealed',
      passcode: '',
      ip: '127.0.0.1',
      resumeToken: '',
    });
    if (!other.ok) throw new Error('join failed');
    const departure = await store.leave('sealed', other.member.participantId);
    if (departure?.roomKey === undefined) throw new Error('no new key');
    cache.apply({
      kind: 'left',
      meetingId: 'sealed',
      participantId: other.member.participantId,
      username: 'cy',
      token: other.member.token,
      muted: false,
      presenting: false,
      atMs: 0,
      controlId: 'c',
      roomKey: departure.roomKey,
    });
    expect(cache.roomKey('sealed').epoch).toBe(0);
    await waitFor(() => cache.roomKey('sealed').epoch === 1, { what: 'the new room key' });
    expect(cache.roomKey('sealed').key?.toString('hex')).toBe(departure.roomKey.key);

    // The last one out closes the room (no new key): the room's key is forgotten here too.
    const last = await store.leave('sealed', joined.member.participantId);
    expect(last?.roomKey).toBeUndefined();
    cache.apply({
      kind: 'left',
      meetingId: 'sealed',
      participantId: joined.member.participantId,
      username: 'bo',
      token: joined.member.token,
      muted: false,
      presenting: false,
      atMs: 0,
      controlId: 'c',
    });
    expect(cache.get(joined.member.mediaToken)).toBeUndefined();
    expect(cache.roomKey('sealed')).toEqual({ epoch: -1, key: null });
  });
});
