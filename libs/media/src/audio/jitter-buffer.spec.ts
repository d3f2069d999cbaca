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
});
