import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { encodeAudioDatagram } from '@sapora/protocol';
import { describeBadDatagrams, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { AudioStack, FRAME, untilHears } from './support/audio-stack';

/** Redis GETs served so far, from the server's own counters. */
async function getsServed(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe('audio service: hostile datagrams', () => {
  const stack = new AudioStack();
  let redis: Redis;

  beforeAll(async () => {
    await stack.start();
    redis = new Redis(stack.redisUrl);
  }, 60_000);

  afterAll(async () => {
    redis.disconnect();
    await stack.stop();
  });

  let served = 0;
  /** Good clients after every attack: one hears the other's tone through the mixer. */
  async function mixesATone(): Promise<void> {
    const room = `good-${++served}`;
    const speaker = await stack.join('speaker', room);
    const listener = await stack.join('listener', room);
    listener.audio.startReceiving();
    speaker.audio.startStreaming(AudioStack.tone(660));
    await untilHears(listener.audio, [660], 'the tone at the listener');
    speaker.audio.stopStreaming();
    listener.audio.stopReceiving();
  }

  describeBadDatagrams('audio', {
    port: () => stack.audio.address.port,
    stats: () => stack.server.stats,
    servesGoodClient: mixesATone,
  });

  it('looks up a flood of random tokens in Redis only a few times a second', async () => {
    const attacker = createSocket('udp4');
    const before = await getsServed(redis);
    const statsBefore = stack.server.stats;
    const flood = 10_000;
    const samples = new Int16Array(FRAME);
    // Paced in batches, each sent only once the service has taken most of the one before, so
    // the kernel drops little even on a loaded machine.
    for (let sent = 0; sent < flood; sent += 250) {
      for (let i = sent; i < sent + 250; i++)
        attacker.send(
          encodeAudioDatagram(randomBytes(16), i, 0, samples),
          stack.audio.address.port,
          '127.0.0.1',
        );
      await waitFor(() => stack.server.stats.received - statsBefore.received >= sent, {
        timeoutMs: 20_000,
        what: `${sent} datagrams of the flood received`,
      });
    }
    await waitFor(() => stack.server.stats.received - statsBefore.received >= flood / 2, {
      timeoutMs: 20_000,
      what: 'the flood received',
    });
    attacker.close();
    const gets = (await getsServed(redis)) - before;
    // Unbudgeted, each random token cost one GET (5 000 or more here); now a few per second.
    expect(gets).toBeLessThan(200);
    expect(stack.server.stats.unauthenticated - statsBefore.unauthenticated).toBeGreaterThanOrEqual(
      flood / 2,
    );
    await mixesATone();
  }, 60_000);
});
