import { nextRestart, WORKER_RESTART_MAX_MS, WORKER_STEADY_MS } from './worker-supervisor';

describe('nextRestart', () => {
  it('restarts at once a worker that ran a while, forgetting earlier quick exits', () => {
    expect(nextRestart(WORKER_STEADY_MS, 5)).toEqual({ delayMs: 0, quickExits: 0 });
  });

  it('waits twice as long after each quick exit in a row, up to the most', () => {
    let quickExits = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = nextRestart(100, quickExits);
      quickExits = next.quickExits;
      delays.push(next.delayMs);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(Math.max(...delays)).toBe(WORKER_RESTART_MAX_MS);
  });
});
