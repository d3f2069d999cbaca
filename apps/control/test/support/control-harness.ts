import { createLogger, RunningService } from '@sapora/service-kit';
import { InProcessService, startInProcess } from '@sapora/testing';
import { ControlConfig } from '../../src/config/control-config';
import { controlService } from '../../src/control-service';

export type ControlApp = RunningService<ControlConfig>;

/** Timings shortened so a test sees heartbeats, time-outs and sweeps within a second or two. */
export const FAST_TIMINGS = {
  HEARTBEAT_INTERVAL_MS: '100',
  IDLE_TIMEOUT_MS: '600',
  SWEEP_INTERVAL_MS: '50',
  INCOMPLETE_FRAME_TIMEOUT_MS: '300',
  SHUTDOWN_GRACE_MS: '500',
};

export async function startControl(
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<InProcessService<ControlApp>> {
  const logger = createLogger('control', {
    level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
    nodeEnv: 'test',
  });
  return startInProcess((port) =>
    controlService.start(
      {
        REDIS_URL: redisUrl,
        CONTROL_HOST: '127.0.0.1',
        CONTROL_PORT: String(port),
        NODE_ENV: 'test',
        ...FAST_TIMINGS,
        ...env,
      },
      { logger },
    ),
  );
}
