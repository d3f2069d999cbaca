import { clockTime, formatBytes } from './format';

describe('format', () => {
  it('writes sizes as people read them', () => {
    expect(formatBytes(17)).toBe('17 B');
    expect(formatBytes(1500)).toBe('1.5 KB');
    expect(formatBytes(300_000)).toBe('300 KB');
    expect(formatBytes(104_857_600)).toBe('105 MB');
    expect(formatBytes(2e12)).toBe('2000 GB');
  });

  it('writes a clock time', () => {
    expect(clockTime(new Date(2026, 0, 1, 9, 5).getTime())).toBe('09:05');
  });
});
