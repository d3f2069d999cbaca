import { createSocket } from 'node:dgram';
import { ToneSource } from '@sapora/media';
import { encodeAudioDatagram } from '@sapora/protocol';
import { LossyProxy, waitFor } from '@sapora/testing';
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

/** About a second and half a second of audio, in frames. */
const SECOND = Math.ceil(RATE / FRAME);
const HALF_SECOND = Math.ceil(SECOND / 2);

describe('audio service: mixing over real UDP', () => {
  const stack = new AudioStack();

  beforeAll(async () => {
    await stack.start();
  }, 60_000);

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
    // D's frames reach the service too (so that nothing crossing rooms would show).
    await Promise.all([
      untilHears(a.audio, [660], 'A hearing B'),
      untilHears(b.audio, [440], 'B hearing A'),
      untilHears(c.audio, [440, 660], 'C hearing A and B'),
      waitFor(() => stack.knows(d.session), { timeoutMs: 10_000, what: 'the service to know D' }),
    ]);

    // As below: the second judged is one in which the mixer kept time on this shared CPU.
    const [heardA, heardB, heardC, heardD] = await waitFor(
      async () => {
        const { missedTicks } = stack.server.stats;
        const recordings = await Promise.all(
          [a, b, c, d].map((client) => record(client.audio, SECOND)),
        );
        return stack.server.stats.missedTicks === missedTicks && recordings;
      },
      { timeoutMs: 90_000, intervalMs: 0, what: 'a second in which the mixer kept time' },
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
  }, 120_000);

  it('keeps a tone continuous through reordered, duplicated and dropped packets', async () => {
    const proxy = await LossyProxy.start(stack.audio.address.port, {
      reorderEvery: 3,
      duplicateEvery: 5,
      dropEvery: 11,
    });
    const talker = await stack.join('Talker', 'lossy', proxy.port);
    const listener = await stack.join('Listener', 'lossy');
    try {
      listener.audio.startReceiving();
      talker.audio.startStreaming(AudioStack.tone(440));
      await untilHears(listener.audio, [440], 'the tone through the proxy');
      // Continuous: no stretch of a whole frame of silence in the recording once the tone started.
      const silentFramesIn = (recording: Int16Array): number => {
        let silent = 0;
        for (let f = 0; f < recording.length / FRAME; f++) {
          let peak = 0;
          for (let i = f * FRAME; i < (f + 1) * FRAME; i++)
            peak = Math.max(peak, Math.abs(recording[i]));
          if (peak < 100) silent++;
        }
        return silent;
      };
      // Real-time audio needs the CPU, and both clients, the proxy and the mixer share this
      // process: a second in which the mixer's clock, or the listener's playout in this same
      // process, fell behind says nothing of the damaged network. The damage goes on all the
      // time (every 3rd packet late, every 5th twice, every 11th lost), so a buffer that did not
      // ride it out would leave gaps in every second; the second judged is one in which the
      // mixer kept time and the playout was not starved by a stall of this process.
      const heard = await waitFor(
        async () => {
          const { missedTicks } = stack.server.stats;
          const recording = await record(listener.audio, SECOND);
          return (
            stack.server.stats.missedTicks === missedTicks &&
            silentFramesIn(recording) <= 2 &&
            recording
          );
        },
        {
          timeoutMs: 90_000,
          intervalMs: 0,
          what: 'a second, with the mixer keeping time, heard without a gap',
        },
      );
      expect(proxy.stats.dropped).toBeGreaterThan(5);
      expect(proxy.stats.duplicated).toBeGreaterThan(5);
      expect(proxy.stats.reordered).toBeGreaterThan(5);
      expect(level(heard, 440)).toBeGreaterThan(AUDIBLE);
      expect(silentFramesIn(heard)).toBeLessThanOrEqual(2);
    } finally {
      talker.audio.stopStreaming();
      listener.audio.stopReceiving();
      await proxy.close();
    }
  }, 120_000);

  it('ignores datagrams with no live token: nobody hears them', async () => {
    const victim = await stack.join('Victim', 'tokens');
    const gone = await stack.join('Gone', 'tokens');
    // The stale token must have been live in the audio service, or it would be just random.
    await waitFor(() => stack.knows(gone.session), {
      timeoutMs: 10_000,
      what: 'the audio service to know Gone',
    });
    const staleToken = Buffer.from(gone.session.mediaToken!);
    gone.audio.close();
    await gone.session.leave();
    await waitFor(() => !stack.knows(gone.session), {
      timeoutMs: 10_000,
      what: 'the audio service to drop Gone',
    });
    victim.audio.startReceiving();
    const before = stack.server.stats;

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
    // Half a second of what the victim plays, and the service refusing the blast meanwhile.
    const [heard] = await Promise.all([
      record(victim.audio, HALF_SECOND),
      waitFor(
        () => {
          const stats = stack.server.stats;
          return (
            stats.unauthenticated - before.unauthenticated > 50 &&
            stats.malformed - before.malformed > 20
          );
        },
        { timeoutMs: 15_000, what: 'the service to refuse 50 datagrams and 20 malformed' },
      ),
    ]).finally(() => {
      clearInterval(blast);
      attacker.close();
    });

    expect(level(heard, 1000)).toBeLessThan(ABSENT);
    expect(victim.audio.stats.received).toBe(0);
    victim.audio.stopReceiving();
  }, 30_000);

  it('stops mixing a participant once they leave, even if they keep sending', async () => {
    const leaver = await stack.join('Leaver', 'leaving');
    const stayer = await stack.join('Stayer', 'leaving');
    stayer.audio.startReceiving();
    leaver.audio.startStreaming(AudioStack.tone(440));
    await untilHears(stayer.audio, [440], 'the stayer hearing the leaver');

    // Leave the meeting but keep the UDP stream going, as a broken client might. Nobody else
    // sends a token the service does not know, so 50 more refused are the leaver's frames and
    // keepalives, half a second of them: longer than the stayer's playout buffer holds.
    const { unauthenticated } = stack.server.stats;
    await leaver.session.leave();
    await waitFor(() => stack.server.stats.unauthenticated - unauthenticated >= 50, {
      timeoutMs: 15_000,
      what: "50 of the leaver's datagrams refused",
    });
    const after = await record(stayer.audio, HALF_SECOND);
    expect(level(after, 440)).toBeLessThan(ABSENT);
    leaver.audio.stopStreaming();
    stayer.audio.stopReceiving();
  }, 30_000);
});
