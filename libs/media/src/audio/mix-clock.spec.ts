import { performance } from 'node:perf_hooks';
import { MixClock } from './mix-clock';

describe('MixClock', () => {
  it('ticks on deadlines from the start, so the count follows elapsed time', async () => {
    const period = 10;
    const lateness: number[] = [];
    const clock = new MixClock(period, (tick) => lateness.push(tick.latenessMs));
    const started = performance.now();
    clock.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const elapsed = performance.now() - started;
    clock.close();
    clock.close();
    const expected = Math.floor(elapsed / period);
    // Chained timers would lose about a millisecond a tick and fall 30-50 ticks short here.
    // `ticks` is the index of the last deadline passed, skipped ones included (on a loaded
    // machine the clock skips rather than bursts), so it follows elapsed time either way.
    expect(clock.ticks).toBeGreaterThanOrEqual(expected - 2);
    expect(clock.ticks).toBeLessThanOrEqual(expected + 1);
    expect(lateness.every((value) => value >= 0)).toBe(true);
    const count = clock.ticks;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(clock.ticks).toBe(count);
  });

  it('catches up after a stall, then skips instead of bursting', () => {
    let now = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
    jest.useFakeTimers();
    const ticks: number[] = [];
    const clock = new MixClock(10, (tick) => ticks.push(tick.index), 3);
    clock.start();
    now = 100;
    jest.advanceTimersByTime(10);
    expect(clock.missed).toBeGreaterThan(0);
    expect(clock.skipped).toBeGreaterThan(0);
    expect(ticks.at(-1)! + 0).toBeLessThanOrEqual(10);
    clock.close();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });
});
