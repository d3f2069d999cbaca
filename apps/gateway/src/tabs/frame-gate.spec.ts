import { FrameGate } from './frame-gate';

describe('FrameGate', () => {
  it('lets frames through while the backlog is small', () => {
    const gate = new FrameGate<string>(100);
    expect(gate.offer('a')).toBe('a');
    gate.sending(60);
    expect(gate.offer('b')).toBe('b');
    gate.sending(30);
    expect(gate.pendingBytes).toBe(90);
    expect(gate.open).toBe(true);
  });

  it('holds only the newest frame while the receiver is behind, and sends it once it catches up', () => {
    const gate = new FrameGate<string>(100);
    gate.sending(150);
    expect(gate.open).toBe(false);
    expect(gate.offer('f1')).toBeNull();
    expect(gate.offer('f2')).toBeNull();
    expect(gate.offer('f3')).toBeNull();
    expect(gate.skipped).toBe(2);
    expect(gate.written(20)).toBeNull();
    expect(gate.written(30)).toBe('f3');
    gate.sending(50);
    expect(gate.written(150)).toBeNull();
    expect(gate.pendingBytes).toBe(0);
  });

  it('never sends a new frame ahead of a held older one', () => {
    const gate = new FrameGate<string>(10);
    gate.sending(20);
    expect(gate.offer('old')).toBeNull();
    gate.written(5);
    // Backlog is 15 > 10: still held; a newer offer replaces it rather than overtaking.
    expect(gate.offer('new')).toBeNull();
    expect(gate.written(15)).toBe('new');
    gate.clear();
    expect(gate.written(0)).toBeNull();
  });

  it('holds the newest frame of each stream and releases them one per write', () => {
    const gate = new FrameGate<string>(100);
    gate.sending(200);
    expect(gate.offer('ann-1', 'ann')).toBeNull();
    expect(gate.offer('bob-1', 'bob')).toBeNull();
    expect(gate.offer('ann-2', 'ann')).toBeNull();
    expect(gate.skipped).toBe(1);
    expect(gate.written(150)).toBe('ann-2');
    gate.sending(10);
    expect(gate.written(10)).toBe('bob-1');
    expect(gate.written(0)).toBeNull();
    // A stream that stopped loses its held frame; the others keep theirs.
    gate.sending(200);
    gate.offer('ann-3', 'ann');
    gate.offer('bob-2', 'bob');
    gate.clear('ann');
    expect(gate.written(200)).toBe('bob-2');
  });
});
