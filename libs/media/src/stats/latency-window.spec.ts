import { LatencyWindow } from './latency-window';

describe('LatencyWindow', () => {
  it('gives nearest-rank percentiles of the last N values', () => {
    const window = new LatencyWindow(100);
    for (let i = 1; i <= 250; i++) window.add(i);
    expect(window.count).toBe(100);
    expect(window.percentile(50)).toBe(200);
    expect(window.percentile(99)).toBe(249);
    window.reset();
    expect(window.percentile(50)).toBeNaN();
  });
});
