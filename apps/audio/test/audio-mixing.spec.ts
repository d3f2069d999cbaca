import { createSocket } from 'node:dgram';
import { toneAmplitude } from '@sapora/media';
import { encodeAudioDatagram } from '@sapora/protocol';
import { ToneSource } from '@sapora/media';
import { AudioStack, FRAME, HEARTBEAT_MS, RATE, record, sleep } from './support/audio-stack';
import { LossyProxy } from '@sapora/testing';

const AUDIBLE = 0.15;
const ABSENT = 0.02;
const level = (samples: Int16Array, hz: number): number => toneAmplitude(samples, hz, RATE);

describe('audio service: mixing over real UDP', () => {
  const stack = new AudioStack();

  beforeAll(async () => {
    await stack.start();
  }, 20_000);

  afterAll(async () => {
    await stack.stop();
  });

  it('gives each listener everyone but themselves, and nothing across rooms', async () => {
    const a = await stack.join('A', 'mix');
    const b = await stack.join('B', 'mix');
    const c = await stack.join('C', 'mix');
    const d = await stack.join('D', 'elsewhere');
    for (const client of [a, b, c, d]) client.audio.startReceiving();
    a.audio.startStreaming(AudioStack.tone(440));
    b.audio.startStreaming(AudioStack.tone(660));
    d.audio.startStreaming(AudioStack.tone(880));
    await sleep(400);

    const [heardA, heardB, heardC, heardD] = await Promise.all(
      [a, b, c, d].map((client) => record(client.audio, 1_000)),
    );
    expect(level(heardC, 440)).toBeGreaterThan(AUDIBLE);
    expect(level(heardC, 660)).toBeGreaterThan(AUDIBLE);
    expect(level(heardA, 660)).toBeGreaterThan(AUDIBLE);
    expect(level(heardA, 440)).toBeLessThan(ABSENT);
    expect(level(heardB, 440)).toBeGreaterThan(AUDIBLE);
    expect(level(heardB, 660)).toBeLessThan(ABSENT);
    // Nothing of another room: A, B and C never hear D's 880 Hz, D hears neither 440 nor 660.
    for (const heard of [heardA, heardB, heardC]) expect(level(heard, 880)).toBeLessThan(ABSENT);
    expect(level(heardD, 440)).toBeLessThan(ABSENT);
    expect(level(heardD, 660)).toBeLessThan(ABSENT);
    expect(d.audio.stats.received).toBe(0);

    for (const client of [a, b, c, d]) {
      client.audio.stopStreaming();
      client.audio.stopReceiving();
    }
  }, 15_000);

  it('keeps a tone continuous through reordered, duplicated and dropped packets', async () => {
    const proxy = await LossyProxy.start(stack.audio.address.port, {
      reorderEvery: 3,
      duplicateEvery: 5,
      dropEvery: 11,
    });
    const talker = await stack.join('Talker', 'lossy', proxy.port);
    const listener = await stack.join('Listener', 'lossy');
    listener.audio.startReceiving();
    talker.audio.startStreaming(AudioStack.tone(440));
    await sleep(400);
    const heard = await record(listener.audio, 1_000);
    expect(proxy.stats.dropped).toBeGreaterThan(5);
    expect(proxy.stats.duplicated).toBeGreaterThan(5);
    expect(proxy.stats.reordered).toBeGreaterThan(5);
    expect(level(heard, 440)).toBeGreaterThan(AUDIBLE);
    // Continuous: no stretch of a whole frame of silence in the recording once the tone started.
    let silentFrames = 0;
    for (let f = 0; f < heard.length / FRAME; f++) {
      let peak = 0;
      for (let i = f * FRAME; i < (f + 1) * FRAME; i++) peak = Math.max(peak, Math.abs(heard[i]));
      if (peak < 100) silentFrames++;
    }
    expect(silentFrames).toBeLessThanOrEqual(2);
    talker.audio.stopStreaming();
    listener.audio.stopReceiving();
    await proxy.close();
  }, 15_000);

  it('ignores datagrams with no live token: nobody hears them', async () => {
    const victim = await stack.join('Victim', 'tokens');
    const gone = await stack.join('Gone', 'tokens');
    const staleToken = Buffer.from(gone.session.sessionToken!);
    gone.audio.close();
    await gone.session.leave();
    victim.audio.startReceiving();
    const before = stack.audio.server.stats.unauthenticated;

    const attacker = createSocket('udp4');
    const loud = new ToneSource(1000, RATE, FRAME, 0.9);
    const tokens = [Buffer.alloc(16, 0x42), staleToken];
    const blast = setInterval(() => {
      for (const token of tokens)
        attacker.send(
          encodeAudioDatagram(token, Date.now() & 0xffff, 0, loud.next()),
          stack.audio.address.port,
          '127.0.0.1',
        );
      attacker.send(Buffer.from('not a datagram at all'), stack.audio.address.port, '127.0.0.1');
    }, 10);
    await sleep(300);
    const heard = await record(victim.audio, 600);
    clearInterval(blast);
    attacker.close();

    expect(level(heard, 1000)).toBeLessThan(ABSENT);
    expect(victim.audio.stats.received).toBe(0);
    const stats = stack.audio.server.stats;
    expect(stats.unauthenticated - before).toBeGreaterThan(50);
    expect(stats.malformed).toBeGreaterThan(20);
    victim.audio.stopReceiving();
  }, 15_000);

  it('stops mixing a participant within one heartbeat of their leaving, even if they keep sending', async () => {
    const leaver = await stack.join('Leaver', 'leaving');
    const stayer = await stack.join('Stayer', 'leaving');
    stayer.audio.startReceiving();
    leaver.audio.startStreaming(AudioStack.tone(440));
    await sleep(400);
    expect(level(await record(stayer.audio, 400), 440)).toBeGreaterThan(AUDIBLE);

    // Leave the meeting but keep the UDP stream going, as a broken client might.
    await leaver.session.leave();
    await sleep(HEARTBEAT_MS);
    const after = await record(stayer.audio, 500);
    expect(level(after, 440)).toBeLessThan(ABSENT);
    leaver.audio.stopStreaming();
    stayer.audio.stopReceiving();
  }, 15_000);
});
