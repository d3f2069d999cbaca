import { randomBytes } from 'node:crypto';
import { VIDEO_FRAGMENT_MAX_PIECE } from '@sapora/protocol';
import { FrameFragmenter, FramePiece } from './frame-fragmenter';
import { FrameReassembler } from './frame-reassembler';
import { gridSize, gridTiles } from './grid-layout';

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('FrameFragmenter and FrameReassembler', () => {
  it('round-trips frames byte for byte at every edge size', () => {
    const fragmenter = new FrameFragmenter();
    const reassembler = new FrameReassembler();
    const max = VIDEO_FRAGMENT_MAX_PIECE;
    for (const size of [0, 1, max - 1, max, max + 1, 2 * max, 10_000, 30_000, 100_000]) {
      const frame = randomBytes(size);
      const pieces = fragmenter.fragment(frame);
      expect(pieces.every((p) => p.piece.length <= max)).toBe(true);
      expect(pieces.length).toBe(Math.max(1, Math.ceil(size / max)));
      let out: Buffer | null = null;
      for (const piece of shuffle(pieces, size + 1)) out = reassembler.push(piece, 0)?.frame ?? out;
      expect(out?.equals(frame)).toBe(true);
    }
  });

  it('ignores duplicates and drops a frame with a missing piece after the timeout', () => {
    const fragmenter = new FrameFragmenter(100);
    const reassembler = new FrameReassembler({ timeoutMs: 50 });
    const first = fragmenter.fragment(randomBytes(350));
    reassembler.push(first[0], 0);
    reassembler.push(first[0], 1);
    reassembler.push(first[1], 2);
    expect(reassembler.stats.duplicates).toBe(1);
    reassembler.push(first[3], 3);
    expect(reassembler.push(first[2], 100)).toBeNull();
    expect(reassembler.stats.dropped).toBe(1);
    const second = randomBytes(150);
    const pieces = fragmenter.fragment(second);
    expect(reassembler.push(pieces[0], 101)).toBeNull();
    expect(reassembler.push(pieces[1], 102)?.frame.equals(second)).toBe(true);
  });

  it('never hands out a frame older than one already handed out', () => {
    const fragmenter = new FrameFragmenter(100);
    const reassembler = new FrameReassembler();
    const older = fragmenter.fragment(randomBytes(200));
    const newerFrame = fragmenter.fragment(randomBytes(200));
    const delivered: number[] = [];
    const push = (piece: FramePiece) => {
      const out = reassembler.push(piece, 0);
      if (out) delivered.push(out.frameId);
    };
    push(older[0]);
    push(newerFrame[0]);
    push(newerFrame[1]);
    push(older[1]);
    expect(delivered).toEqual([newerFrame[0].frameId]);
    expect(reassembler.stats.dropped + reassembler.stats.stale).toBeGreaterThan(0);
    expect(reassembler.inFlight).toBe(0);
  });

  it('keeps memory bounded however many frames stay incomplete', () => {
    const fragmenter = new FrameFragmenter(100);
    const reassembler = new FrameReassembler({ maxInFlight: 3, timeoutMs: 60_000 });
    for (let i = 0; i < 50; i++) reassembler.push(fragmenter.fragment(randomBytes(300))[0], i);
    expect(reassembler.inFlight).toBeLessThanOrEqual(3);
    expect(reassembler.stats.dropped).toBe(47);
  });
});

describe('grid layout', () => {
  it('follows the seed: 1x1, 2x1, 2x2, 3x2, 3x3, then ceil(sqrt(n)) columns', () => {
    const sizes = [1, 2, 3, 4, 5, 6, 7, 9, 10, 17].map((n) => gridSize(n));
    expect(sizes).toEqual([
      { cols: 1, rows: 1 },
      { cols: 2, rows: 1 },
      { cols: 2, rows: 2 },
      { cols: 2, rows: 2 },
      { cols: 3, rows: 2 },
      { cols: 3, rows: 2 },
      { cols: 3, rows: 3 },
      { cols: 3, rows: 3 },
      { cols: 4, rows: 3 },
      { cols: 5, rows: 4 },
    ]);
    expect(gridTiles(3, 640, 480)).toEqual([
      { x: 0, y: 0, width: 320, height: 240 },
      { x: 320, y: 0, width: 320, height: 240 },
      { x: 0, y: 240, width: 320, height: 240 },
    ]);
  });
});
