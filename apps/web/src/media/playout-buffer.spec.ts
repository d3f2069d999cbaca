import { PlayoutBuffer } from './playout-buffer';

const RATE = 44_100;
const FRAME = 512;
const frameOf = (value: number): Int16Array => new Int16Array(FRAME).fill(value);

/** Plays `frames` frame periods, pushing what `arrivals(period)` says arrives in each. */
function run(buffer: PlayoutBuffer, periods: number, arrivals: (period: number) => Int16Array[]) {
  const out: number[] = [];
  for (let p = 0; p < periods; p++) {
    for (const frame of arrivals(p)) buffer.push(frame);
    for (let i = 0; i < FRAME; i++) out.push(buffer.nextSample());
  }
  return out;
}

describe('PlayoutBuffer', () => {
  it('starts after 40 ms of audio and plays a steady stream without gaps', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, frameSamples: FRAME });
    const out = run(buffer, 200, () => [frameOf(8192)]);
    // Silence first while 40 ms gathers (4 frames), then every sample the stream's.
    const start = out.findIndex((x) => x !== 0);
    expect(start).toBeLessThanOrEqual(6 * FRAME);
    expect(out.slice(start + FRAME).every((x) => x === 0.25)).toBe(true);
    expect(buffer.stats).toMatchObject({ underruns: 0, dropped: 0 });
    expect(buffer.stats.depthMs).toBeGreaterThanOrEqual(40);
    expect(buffer.stats.depthMs).toBeLessThanOrEqual(60);
  });

  it('conceals a missing frame by fading the last one out, then grows its target', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, frameSamples: FRAME });
    // Frames stop coming for 10 periods at period 50.
    const out = run(buffer, 120, (p) => (p >= 50 && p < 60 ? [] : [frameOf(16384)]));
    expect(buffer.stats.underruns).toBe(1);
    expect(buffer.stats.targetMs).toBeGreaterThan(40);
    // Where the gap begins the level falls smoothly: no sample jumps by more than a step.
    const gapAt = out.findIndex((x, i) => i > FRAME * 10 && x < 0.5 && x > 0);
    for (let i = gapAt; i < gapAt + FRAME - 1; i++)
      expect(Math.abs(out[i + 1] - out[i])).toBeLessThan(0.01);
  });

  it('shrinks back to about 40-60 ms once the jitter has passed, dropping what waits too long', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, frameSamples: FRAME, calmMs: 500 });
    // A burst: 15 frames at once, then one per period again.
    run(buffer, 400, (p) =>
      p === 20 ? Array.from({ length: 15 }, () => frameOf(100)) : [frameOf(100)],
    );
    expect(buffer.stats.dropped).toBeGreaterThan(0);
    expect(buffer.stats.depthMs).toBeLessThanOrEqual(60);
  });

  it('never holds more than its most delay', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, frameSamples: FRAME, maxMs: 100 });
    for (let i = 0; i < 100; i++) buffer.push(frameOf(1));
    expect(buffer.stats.depthMs).toBeLessThanOrEqual(100 + (FRAME / RATE) * 1000);
  });
});
