import { AudioSource } from '@sapora/client';
import { ToneSource } from '@sapora/media';
import { waitFor } from '@sapora/testing';
import { ABSENT, AudioStack, FRAME, level, RATE, record, untilHears } from './support/audio-stack';

const SECOND = Math.ceil(RATE / FRAME);

/** A tone for `frames` frames after `after` frames of nothing, then nothing: counted, not timed. */
function toneBurst(hz: number, after: number, frames: number): AudioSource {
  const tone = new ToneSource(hz, RATE, FRAME);
  let sent = 0;
  return {
    next: () => {
      sent++;
      return sent > after && sent <= after + frames ? tone.next() : null;
    },
  };
}

describe('audio service: the host mutes someone; who is speaking', () => {
  const stack = new AudioStack();

  beforeAll(async () => {
    await stack.start();
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
  });

  it("drops a participant the host muted from everyone's mix until they unmute themselves", async () => {
    const host = await stack.join('Host', 'muting');
    const loud = await stack.join('Loud', 'muting');
    const ear = await stack.join('Ear', 'muting');
    for (const client of [host, loud, ear]) client.audio.startReceiving();
    host.audio.startStreaming(AudioStack.tone(440));
    loud.audio.startStreaming(AudioStack.tone(660));
    await untilHears(ear.audio, [440, 660], 'Ear hearing both');

    await host.session.muteParticipant(loud.session.participantId!);
    // Loud's client goes on sending: it is the mixer that drops it.
    await waitFor(async () => level(await record(ear.audio, 20), 660) < ABSENT, {
      timeoutMs: 15_000,
      intervalMs: 0,
      what: "Loud's tone gone from Ear's mix",
    });
    // Gone for a whole second, while the host is still heard (in windows: a loaded machine may
    // starve a playout now and then, which only ever lowers a level).
    const muted = await record(ear.audio, SECOND);
    expect(level(muted, 660)).toBeLessThan(ABSENT);
    await untilHears(ear.audio, [440], 'the host still heard');
    expect(loud.session.participants.find((p) => p.username === 'Loud')?.mutedBy).toBe('Host');
    expect(stack.server.stats.muted).toBeGreaterThan(0);

    loud.session.setMuted(false);
    await untilHears(ear.audio, [660, 440], "Loud's tone back after the unmute, with the host's");
    for (const client of [host, loud, ear]) {
      client.audio.stopStreaming();
      client.audio.stopReceiving();
    }
  }, 60_000);

  it('reports speakers taking turns in order, and not a single short burst', async () => {
    const ann = await stack.join('Ann', 'turns');
    const ben = await stack.join('Ben', 'turns');
    const cat = await stack.join('Cat', 'turns');
    const ear = await stack.join('Ear', 'turns');
    ear.audio.startReceiving();
    const reports: string[][] = [];
    ear.session.on('speakers', (ids) => reports.push(ids));
    const name = (id: string): string =>
      ear.session.participants.find((p) => p.participantId === id)?.username ?? id;
    // Ann speaks 0.7 s; Ben from 1.2 s for 0.7 s; Cat only coughs (70 ms) at 2.6 s.
    ann.audio.startStreaming(toneBurst(440, 0, 60));
    ben.audio.startStreaming(toneBurst(660, 100, 60));
    cat.audio.startStreaming(toneBurst(880, 220, 6));
    await waitFor(() => reports.some((r) => r.length > 0) && reports.at(-1)?.length === 0, {
      timeoutMs: 20_000,
      what: 'speakers to come and go',
    });
    // Once Cat's burst is out, two seconds of Ear's playout (counted frames) give any report
    // of it time to arrive.
    await waitFor(() => cat.audio.stats.sent >= 6, { what: "Cat's burst sent" });
    await record(ear.audio, 2 * SECOND);
    const named = reports.map((ids) => ids.map(name));
    expect(named[0]).toEqual(['Ann']);
    const firstBen = named.findIndex((ids) => ids.includes('Ben'));
    expect(firstBen).toBeGreaterThan(0);
    expect(
      named.slice(firstBen + 1).some((ids) => ids.includes('Ann') && !ids.includes('Ben')),
    ).toBe(false);
    expect(named.flat()).not.toContain('Cat');
    expect(named.at(-1)).toEqual([]);
    // Ann, Ann and Ben, Ben, nobody: no flicker in between.
    expect(named.length).toBeLessThanOrEqual(4);
  }, 60_000);
});
