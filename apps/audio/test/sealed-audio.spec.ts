import { createSocket, Socket } from 'node:dgram';
import {
  DATAGRAM_KEY_EPOCH_OFFSET,
  deriveMediaKey,
  isSealedDatagram,
  openSealedDatagram,
  ReplayWindow,
} from '@sapora/protocol';
import { LossyProxy, RECORD_ONLY, waitFor } from '@sapora/testing';
import {
  ABSENT,
  AUDIBLE,
  AudioStack,
  FRAME,
  level,
  RATE,
  record,
  untilHears,
} from './support/audio-stack';

const SECOND = Math.ceil(RATE / FRAME);

/** Sends each datagram from a socket of its own (an attacker on the LAN), one at a time. */
async function inject(datagrams: Buffer[], port: number): Promise<void> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  for (const datagram of datagrams)
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  socket.close();
}

/**
 * Sealed media over real UDP: what goes between the clients and the mixer is sealed (the
 * clients join over TLS), a datagram that was replayed or changed on the way is never played,
 * and a room's key changes when someone leaves.
 */
describe('audio service: sealed media', () => {
  const stack = new AudioStack();

  beforeAll(async () => {
    await stack.start();
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
  });

  it('never plays a replayed or bit-flipped datagram, and counts each as unauthenticated', async () => {
    const proxy = await LossyProxy.start(stack.audio.address.port, RECORD_ONLY);
    try {
      const talker = await stack.join('Talker', 'replay', proxy.port);
      const listener = await stack.join('Listener', 'replay');
      listener.audio.startReceiving();
      talker.audio.startStreaming(AudioStack.tone(1000));
      await untilHears(listener.audio, [1000], 'the listener hearing the talker');
      await waitFor(() => proxy.fromClient.length > SECOND, { what: 'a second of the talker' });
      const sent = proxy.fromClient.slice(-SECOND);
      expect(sent.length).toBe(SECOND);
      expect(sent.every(isSealedDatagram)).toBe(true);
      talker.audio.stopStreaming();
      await waitFor(async () => level(await record(listener.audio, 20), 1000) < ABSENT, {
        timeoutMs: 15_000,
        intervalMs: 0,
        what: 'the talker to fall silent',
      });

      // A second of the talker's own datagrams again, and the same with one bit of the
      // samples flipped: the mixer must refuse every one, and the listener hear nothing.
      const flipped = sent.map((datagram) => {
        const copy = Buffer.from(datagram);
        copy[60] ^= 0x01;
        return copy;
      });
      const before = stack.server.stats.unauthenticated;
      const heard = record(listener.audio, 2 * SECOND);
      await inject([...sent, ...flipped], stack.audio.address.port);
      await waitFor(() => stack.server.stats.unauthenticated - before >= 2 * SECOND, {
        what: 'the mixer to refuse every replayed and flipped datagram',
      });
      expect(stack.server.stats.unauthenticated - before).toBe(2 * SECOND);
      expect(level(await heard, 1000)).toBeLessThan(ABSENT);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('drops mixes replayed to a client, and plays none of them', async () => {
    const proxy = await LossyProxy.start(stack.audio.address.port, RECORD_ONLY);
    try {
      const talker = await stack.join('Dee', 'client-replay');
      const listener = await stack.join('Eve', 'client-replay', proxy.port);
      listener.audio.startReceiving();
      talker.audio.startStreaming(AudioStack.tone(660));
      await untilHears(listener.audio, [660], 'Eve hearing Dee');
      talker.audio.stopStreaming();
      const mixes = proxy.fromServer.slice(-20);
      expect(mixes.every(isSealedDatagram)).toBe(true);
      await waitFor(async () => level(await record(listener.audio, 20), 660) < ABSENT, {
        timeoutMs: 15_000,
        intervalMs: 0,
        what: 'Dee to fall silent',
      });
      const { rejected, received } = listener.audio.stats;
      const heard = record(listener.audio, SECOND);
      const at = proxy.client!;
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      for (const mix of mixes)
        await new Promise<void>((resolve) =>
          socket.send(mix, at.port, at.address, () => resolve()),
        );
      socket.close();
      await waitFor(() => listener.audio.stats.rejected - rejected >= mixes.length, {
        what: 'the client to drop the replayed mixes',
      });
      expect(listener.audio.stats.rejected - rejected).toBe(mixes.length);
      expect(listener.audio.stats.received).toBe(received);
      expect(level(await heard, 660)).toBeLessThan(ABSENT);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('changes the room key when someone leaves: what follows opens with the new key, not with the one the leaver had', async () => {
    const proxy = await LossyProxy.start(stack.audio.address.port, RECORD_ONLY);
    try {
      const talker = await stack.join('Ann', 'rekey');
      const listener = await stack.join('Ben', 'rekey', proxy.port);
      const leaver = await stack.join('Cid', 'rekey');
      listener.audio.startReceiving();
      talker.audio.startStreaming(AudioStack.tone(440));
      await untilHears(listener.audio, [440], 'Ben hearing Ann');
      const [first] = leaver.session.roomMediaKeys;
      expect(first.epoch).toBe(0);
      expect(listener.session.roomMediaKeys[0].key.equals(first.key)).toBe(true);

      await leaver.session.leave();
      await waitFor(
        () =>
          talker.session.roomMediaKeys[0]?.epoch === 1 &&
          listener.session.roomMediaKeys[0]?.epoch === 1,
        { what: 'ROOM_MEDIA_KEY at the two who stay' },
      );
      const [next, previous] = listener.session.roomMediaKeys;
      expect(next.key.equals(first.key)).toBe(false);
      expect(previous.key.equals(first.key)).toBe(true);
      expect(talker.session.roomMediaKeys[0].key.equals(next.key)).toBe(true);

      // The mixer moves to the new key a moment later; Ben keeps hearing Ann throughout.
      const rekeyed = await waitFor(
        () =>
          proxy.fromServer.find(
            (datagram) => isSealedDatagram(datagram) && datagram[DATAGRAM_KEY_EPOCH_OFFSET] === 1,
          ),
        { what: 'a mix sealed under the new key' },
      );
      const open = (key: Buffer): Buffer | null =>
        // A copy each time: a datagram is opened in place.
        openSealedDatagram(
          Buffer.from(rekeyed),
          deriveMediaKey(key, 'audio', 'down'),
          new ReplayWindow(),
        );
      expect(open(first.key)).toBeNull();
      expect(open(next.key)).not.toBeNull();
      const heard = await record(listener.audio, SECOND);
      expect(level(heard, 440)).toBeGreaterThan(AUDIBLE);
      talker.audio.stopStreaming();
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
