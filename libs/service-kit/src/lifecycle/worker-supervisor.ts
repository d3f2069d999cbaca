import { ChildProcess, fork } from 'node:child_process';
import { Logger } from 'pino';

/** Set in a worker's environment: which worker it is, and of how many. */
export const WORKER_INDEX_ENV = 'SAPORA_WORKER_INDEX';
export const WORKER_COUNT_ENV = 'SAPORA_WORKER_COUNT';

/** A worker that ran this long before exiting is restarted at once... */
export const WORKER_STEADY_MS = 10_000;
/** ...one that exits sooner waits, twice as long each time in a row, up to this. */
export const WORKER_RESTART_MAX_MS = 30_000;

/**
 * When to restart a worker that exited after `livedMs`, given how many quick exits came just
 * before: a worker that keeps failing at start (its port taken, Redis unreachable) is retried
 * ever more slowly rather than in a tight loop; one that ran a while comes back at once.
 */
export function nextRestart(
  livedMs: number,
  quickExitsBefore: number,
): { delayMs: number; quickExits: number } {
  if (livedMs >= WORKER_STEADY_MS) return { delayMs: 0, quickExits: 0 };
  const quickExits = quickExitsBefore + 1;
  return {
    delayMs: Math.min(WORKER_RESTART_MAX_MS, 500 * 2 ** (quickExits - 1)),
    quickExits,
  };
}

export interface SupervisorOptions {
  name: string;
  count: number;
  /** Where worker `index` listens, for the log. */
  describe(index: number): string;
  /** What worker `index` runs with on top of this process's environment. */
  envOf(index: number): Record<string, string>;
  logger: Logger;
  /** The script workers run (this process's main) and its arguments. */
  script: string;
  args: string[];
}

interface Worker {
  child: ChildProcess | null;
  startedAtMs: number;
  quickExits: number;
  restart: NodeJS.Timeout | null;
  exitCode: number | null;
}

/**
 * Runs a media service as `count` worker processes, each a node of its own (DESIGN §10), and
 * keeps them running: a worker that dies is started again (its rooms have moved by then, as
 * from any node that stops renewing). SIGTERM or SIGINT is passed to every worker, which drains
 * its rooms as a single process would; this process exits once they all have, 0 if each did.
 */
export function superviseWorkers(options: SupervisorOptions): void {
  const { name, count, logger } = options;
  const workers: Worker[] = Array.from({ length: count }, () => ({
    child: null,
    startedAtMs: 0,
    quickExits: 0,
    restart: null,
    exitCode: null,
  }));
  let stopping = false;

  const finishIfDone = (): void => {
    if (!workers.every((worker) => worker.child === null)) return;
    const clean = workers.every((worker) => worker.exitCode === 0);
    logger.info(`${name} stopped (${count} workers)`);
    process.exit(clean ? 0 : 1);
  };

  const start = (index: number): void => {
    const worker = workers[index];
    worker.restart = null;
    const child = fork(options.script, options.args, {
      env: {
        ...process.env,
        ...options.envOf(index),
        [WORKER_INDEX_ENV]: String(index),
        [WORKER_COUNT_ENV]: String(count),
      },
    });
    worker.child = child;
    worker.startedAtMs = Date.now();
    logger.info(
      { worker: index, pid: child.pid, listen: options.describe(index) },
      `${name} worker ${index} started (pid ${child.pid}, ${options.describe(index)})`,
    );
    child.once('exit', (code, signal) => {
      worker.child = null;
      // One still starting when told to stop has no handler yet: SIGTERM ends it, cleanly.
      worker.exitCode = stopping && signal === 'SIGTERM' ? 0 : code;
      if (stopping) {
        finishIfDone();
        return;
      }
      const next = nextRestart(Date.now() - worker.startedAtMs, worker.quickExits);
      worker.quickExits = next.quickExits;
      logger.warn(
        { worker: index, code, signal, restartInMs: next.delayMs },
        `${name} worker ${index} exited (${signal ?? `code ${code}`}); starting it again in ${next.delayMs} ms`,
      );
      worker.restart = setTimeout(() => start(index), next.delayMs);
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} shutting down: draining ${count} workers`);
    for (const worker of workers) {
      if (worker.restart !== null) clearTimeout(worker.restart);
      worker.restart = null;
      // A worker that was waiting to be restarted has nothing to drain.
      if (worker.child === null) worker.exitCode = 0;
      else worker.child.kill('SIGTERM');
    }
    finishIfDone();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info(
    { workers: count, listen: workers.map((_, index) => options.describe(index)) },
    `${name}: ${count} workers on ${workers.map((_, index) => options.describe(index)).join(', ')}`,
  );
  for (let index = 0; index < count; index++) start(index);
}
