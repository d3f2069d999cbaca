import { figure, percentile, Samples } from './stats';

describe('bench stats', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarises samples in any order', () => {
    const samples = new Samples();
    [5, 1, 4, 2, 3].forEach((value) => samples.add(value));
    expect(samples.summary()).toEqual({ count: 5, p50: 3, p99: 5, max: 5, mean: 3 });
  });

  it('prints figures as name: value unit', () => {
    expect(figure('chat.p99_ms', 3.14159, 'ms')).toBe('chat.p99_ms: 3.14 ms');
  });
});
