import { ConfigError } from './load-config';
import { planWorkers } from './worker-plan';

describe('planWorkers', () => {
  const audio = { prefix: 'AUDIO', port: 6001, ports: '6201-6263' };

  it('runs one worker per core by default; worker 0 on the standard port, the others from the range', () => {
    const plan = planWorkers({ ...audio, workers: undefined }, 4);
    expect(plan.count).toBe(4);
    expect([0, 1, 2, 3].map((i) => plan.portOf(i))).toEqual([6001, 6201, 6202, 6203]);
    expect(plan.envOf(0)).toEqual({});
    // The public port set for the service is worker 0's; worker 2 announces what it binds.
    expect(plan.envOf(2)).toEqual({ AUDIO_PORT: '6202', AUDIO_PUBLIC_PORT: '' });
  });

  it('reads a count of 0 as one per core (what compose passes when nobody set one)', () => {
    expect(planWorkers({ ...audio, workers: 0 }, 4).count).toBe(4);
    expect(planWorkers({ ...audio, ports: '6201-6201', workers: 0 }, 4).count).toBe(2);
  });

  it('takes the count it is given, and one keeps a single process', () => {
    expect(planWorkers({ ...audio, workers: 1 }, 8).count).toBe(1);
    expect(planWorkers({ ...audio, workers: 6 }, 2).count).toBe(6);
  });

  it('runs no more workers by default than the range has ports for', () => {
    const plan = planWorkers({ ...audio, ports: '6201-6203', workers: undefined }, 16);
    expect(plan.count).toBe(4);
    expect(plan.portOf(3)).toBe(6203);
  });

  it('refuses a count the range cannot hold, and a range upside down or past 65535', () => {
    expect(() => planWorkers({ ...audio, ports: '6201-6203', workers: 5 }, 2)).toThrow(
      /AUDIO_WORKERS \("5"\).*at most 4 workers/,
    );
    expect(() => planWorkers({ ...audio, ports: '6263-6201', workers: 2 }, 2)).toThrow(ConfigError);
    expect(() => planWorkers({ ...audio, ports: '65535-65536', workers: 2 }, 2)).toThrow(
      /AUDIO_WORKER_PORTS/,
    );
  });

  it('lets the kernel pick every worker’s port with the range 0 (tests)', () => {
    const plan = planWorkers({ prefix: 'VIDEO', port: 0, ports: '0', workers: 3 }, 2);
    expect([0, 1, 2].map((i) => plan.portOf(i))).toEqual([0, 0, 0]);
    expect(plan.envOf(1)).toEqual({ VIDEO_PORT: '0', VIDEO_PUBLIC_PORT: '' });
  });
});
