import { Matches } from 'class-validator';
import { ConfigError } from './load-config';

/**
 * `<KIND>_WORKER_PORTS`: the ports of workers 1, 2, ... as "first-last" (worker 0 keeps the
 * standard `<KIND>_PORT`), or "0": every worker's port picked by the kernel (tests).
 */
export const IsWorkerPorts = (): PropertyDecorator =>
  Matches(/^(0|\d{1,5}-\d{1,5})$/, {
    message: 'must be a port range "first-last", e.g. 6201-6263, or 0',
  });

/** How a media service's workers are set up: its variables' values, by prefix. */
export interface WorkerSettings {
  /** The variables' prefix: "AUDIO" for AUDIO_WORKERS, AUDIO_WORKER_PORTS, AUDIO_PORT. */
  prefix: string;
  /** `<KIND>_PORT`: worker 0's. */
  port: number;
  /**
   * `<KIND>_WORKERS` when set; unset or 0 means one per core, as far as the port range allows
   * (0 because compose files cannot leave a variable unset when their user gives no value).
   */
  workers: number | undefined;
  /** `<KIND>_WORKER_PORTS`. */
  ports: string;
}

export interface WorkerPlan {
  count: number;
  /** The port worker `index` binds (0: the kernel picks). */
  portOf(index: number): number;
  /** What a worker runs with on top of the service's environment. */
  envOf(index: number): Record<string, string>;
}

/**
 * How many workers and on which ports. `cores` is what an unset count means (the number of
 * cores); a range of N ports allows N + 1 workers, so a published range (compose) caps them
 * and a worker never binds a port nobody can reach.
 */
export function planWorkers(settings: WorkerSettings, cores: number): WorkerPlan {
  const { prefix, port, workers, ports } = settings;
  let first = 0;
  let allowed = Infinity;
  if (ports !== '0') {
    const [low, high] = ports.split('-').map(Number);
    if (low < 1 || high > 65535 || high < low)
      throw new ConfigError([
        `${prefix}_WORKER_PORTS ("${ports}"): must be first-last with 1 ≤ first ≤ last ≤ 65535`,
      ]);
    first = low;
    allowed = high - low + 2;
  }
  if (workers !== undefined && workers > allowed)
    throw new ConfigError([
      `${prefix}_WORKERS ("${workers}"): ${prefix}_WORKER_PORTS ("${ports}") has ports for ${allowed - 1} more than worker 0, so at most ${allowed} workers`,
    ]);
  const count =
    workers === undefined || workers === 0 ? Math.max(1, Math.min(cores, allowed)) : workers;
  const portOf = (index: number): number =>
    index === 0 ? port : first === 0 ? 0 : first + index - 1;
  return {
    count,
    portOf,
    envOf(index) {
      if (index === 0) return {};
      // `<KIND>_PUBLIC_PORT` names worker 0's port; the others announce the port they bind.
      return { [`${prefix}_PORT`]: String(portOf(index)), [`${prefix}_PUBLIC_PORT`]: '' };
    },
  };
}
