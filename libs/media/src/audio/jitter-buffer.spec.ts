import { JitterBuffer } from './jitter-buffer';

const FRAME = 4;
const RATE = 1000; // 4 ms frames keep the numbers readable
const frame = (value: number) => Int16Array.from({ length: FRAME }, () => value);

function buffer(maxDelayMs = 40, minDepth = 1): JitterBuffer {
  return new JitterBuffer({ frameSamples: FRAME, sampleRate: RATE, maxDelayMs, minDepth });
}

/** Pushes (seq, value) pairs arriving on time, then pulls n frames, reporting their first sample (or null). */
function play(
  jb: JitterBuffer,
  packets: Array<[number, number]>,
  pulls: number,
): Array<number | null> {
  packets.forEach(([seq, value]) => jb.push(seq, seq * FRAME, frame(value), seq * 4));
  return Array.from({ length: pulls }, () => jb.pull()?.[0] ?? null);
}

describe('JitterBuffer', () => {
  it('plays in order what arrives in order', () => {
    expect(
      play(
        buffer(),
        [
          [1, 10],
          [2, 20],
          [3, 30],
        ],
        4,
      ),
    ).toEqual([10, 20, 30, null]);
  });

  it('tells when the frame it played arrived', () => {
    const jb = buffer();
    jb.push(1, 4, frame(1), 123.5);
    jb.pull();
    expect(jb.lastArrivalMs).toBe(123.5);
  });

  it('reorders', () => {
    expect(
      play(
        buffer(40, 2),
        [
          [1, 10],
          [3, 30],
          [2, 20],
          [4, 40],
        ],
        4,
      ),
    ).toEqual([10, 20, 30, 40]);
  });

  it('drops duplicates and late packets, and counts them', () => {
    const jb = buffer();
    expect(
      play(
        jb,
        [
          [1, 10],
          [2, 20],
          [2, 99],
        ],
        1,
      ),
    ).toEqual([10]);
    expect(jb.push(1, 4, frame(77), 8)).toBe(false);
    expect(jb.pull()![0]).toBe(20);
    expect(jb.stats).toMatchObject({ duplicates: 1, late: 1, played: 2 });
  });

  it('conceals a lost frame with a faded repeat, then silence, without stalling', () => {
    const jb = buffer(100);
    const out = play(
      jb,
      [
        [1, 1000],
        [6, 600],
      ],
      6,
    );
    expect(out).toEqual([1000, 500, 250, 125, 0, 600]);
    expect(jb.stats.concealed).toBe(4);
  });

  it('never holds more than its maximum delay', () => {
    const jb = buffer(40); // 10 frames
    for (let seq = 1; seq <= 25; seq++) jb.push(seq, seq * FRAME, frame(seq), 0);
    expect(jb.stats.depth).toBeLessThanOrEqual(jb.capacity);
    expect(jb.stats.overflowDrops).toBe(15);
    const played = Array.from({ length: 10 }, () => jb.pull()?.[0]).filter(
      (value) => value !== undefined,
    );
    expect(played[0]).toBeGreaterThanOrEqual(16);
    expect(played.at(-1)).toBe(25);
    expect([...played].sort((a, b) => a - b)).toEqual(played);
  });

  it('handles u32 sequence wrap-around', () => {
    const jb = buffer(40, 2);
    const out = play(
      jb,
      [
        [0xfffffffe, 1],
        [0xffffffff, 2],
        [0, 3],
        [1, 4],
      ],
      4,
    );
    expect(out).toEqual([1, 2, 3, 4]);
  });

  it('goes quiet (null) when the sender stops, and starts again when it resumes', () => {
    const jb = buffer();
    expect(play(jb, [[1, 10]], 3)).toEqual([10, null, null]);
    expect(play(jb, [[50, 5]], 1)).toEqual([5]);
  });

  it('deepens with jitter and catches up when the queue grows past its target', () => {
    const calm = buffer(200);
    for (let seq = 1; seq <= 50; seq++) calm.push(seq, seq * FRAME, frame(seq), seq * 4);
    const shaky = buffer(200);
    for (let seq = 1; seq <= 50; seq++)
      shaky.push(seq, seq * FRAME, frame(seq), seq * 4 + (seq % 2 === 0 ? 12 : 0));
    expect(calm.stats.targetDepth).toBe(1);
    expect(shaky.stats.targetDepth).toBeGreaterThan(2);
    calm.pull();
    expect(calm.stats.catchUpDrops).toBeGreaterThan(0);
    expect(calm.stats.depth).toBeLessThanOrEqual(calm.stats.targetDepth + 2);
  });

  it('on a LAN setting, never aims past its cap however shaky, and catches up to it', () => {
    // 4 ms frames, cap 8 ms: a target of at most 2 frames, a queue of at most 4 after a pull.
    const lan = new JitterBuffer({
      frameSamples: FRAME,
      sampleRate: RATE,
      maxDelayMs: 200,
      maxTargetMs: 8,
    });
    for (let seq = 1; seq <= 50; seq++)
      lan.push(seq, seq * FRAME, frame(seq), seq * 4 + (seq % 2 === 0 ? 12 : 0));
    expect(lan.stats.jitterMs).toBeGreaterThan(8);
    expect(lan.stats.targetDepth).toBe(2);
    expect(lan.pull()?.[0]).toBe(47);
    expect(lan.stats.depth).toBe(3);
    expect(lan.stats.catchUpDrops).toBe(46);
  });

  it('shrinks a queue that stands above its target back to it, one frame per window', () => {
    // The sender's clock runs 0.5% fast: one extra frame every 200 periods. Without shrinking, the
    // queue would climb to target + 2 and sit there (two frames of delay nobody needs).
    const jb = buffer(200);
    let seq = 0;
    const depthsAfterPull: number[] = [];
    for (let tick = 0; tick < 4_000; tick++) {
      const frames = tick % 200 === 199 ? 2 : 1;
      for (let i = 0; i < frames; i++) {
        seq++;
        jb.push(seq, seq * FRAME, frame(seq), tick * 4);
      }
      jb.pull();
      depthsAfterPull.push(jb.stats.depth);
    }
    const target = jb.stats.targetDepth;
    expect(target).toBeLessThanOrEqual(2);
    expect(jb.stats.shrinkDrops).toBeGreaterThan(15);
    expect(jb.stats.catchUpDrops).toBe(0);
    // Once settled, a pull leaves target - 1 queued; an extra frame lives at most one window.
    const settled = depthsAfterPull.slice(400);
    expect(Math.max(...settled)).toBeLessThanOrEqual(target);
    expect(settled.filter((depth) => depth > target - 1).length).toBeLessThan(settled.length / 2);
  });

  it('never shrinks for reordering: pairs swapped on the way all play, in order', () => {
    const jb = buffer(200, 2);
    const played: Array<number | null> = [];
    jb.push(1, FRAME, frame(1), 0);
    for (let tick = 0; tick < 400; tick++) {
      // Frames 2k+1 and 2k come swapped (2, 3 then 5, 4, 7, 6, ...), each on its own period.
      const swapped = tick % 2 === 0 ? tick + 3 : tick + 1;
      jb.push(swapped, swapped * FRAME, frame(swapped), tick * 4);
      played.push(jb.pull()?.[0] ?? null);
    }
    expect(jb.stats.shrinkDrops).toBe(0);
    expect(jb.stats.concealed).toBe(0);
    const real = played.filter((value): value is number => value !== null);
    expect(real).toEqual(Array.from({ length: real.length }, (_, i) => real[0] + i));
    expect(real.length).toBeGreaterThan(390);
  });

  it('keeps its extra frame on a stream that loses frames', () => {
    // Every 11th packet is lost, and each loss takes a frame of depth for good; the sender runs
    // fast enough (an extra frame every 8 periods) that the queue still stands above its target.
    // There the extra frame is what stops the next loss from becoming silence: no shrinking.
    const jb = buffer(200);
    let seq = 0;
    for (let tick = 0; tick < 2_000; tick++) {
      const frames = tick % 8 === 7 ? 2 : 1;
      for (let i = 0; i < frames; i++) {
        seq++;
        if (seq % 11 !== 0) jb.push(seq, seq * FRAME, frame(seq), tick * 4);
      }
      jb.pull();
    }
    expect(jb.stats.concealed).toBeGreaterThan(100);
    expect(jb.stats.shrinkDrops).toBe(0);
  });
});
