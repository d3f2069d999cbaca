import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueNames } from '../keys/redis-keys';

export const SWEEP_SESSIONS_JOB = 'sweep-sessions';

/**
 * The control service's repeatable upkeep, as a BullMQ job scheduler: it lives in Redis, so
 * it survives a restart and runs once per period however many control instances there are.
 */
export class MaintenanceQueue {
  readonly #queue: Queue;
  readonly #worker: Worker;

  constructor(
    connection: Redis,
    handlers: { sweepSessions: () => Promise<void> },
    onError: (error: Error) => void,
  ) {
    this.#queue = new Queue(QueueNames.controlMaintenance, { connection });
    this.#worker = new Worker(
      QueueNames.controlMaintenance,
      async (job) => {
        if (job.name === SWEEP_SESSIONS_JOB) await handlers.sweepSessions();
      },
      { connection, concurrency: 1, autorun: false },
    );
    this.#worker.on('failed', (_job, error) => onError(error));
    this.#worker.on('error', onError);
  }

  /** Schedules the sweep every periodMs (replacing any older schedule) and starts working. */
  async start(periodMs: number): Promise<void> {
    await this.#queue.upsertJobScheduler(
      SWEEP_SESSIONS_JOB,
      { every: periodMs },
      { name: SWEEP_SESSIONS_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    void this.#worker.run();
  }

  get worker(): Worker {
    return this.#worker;
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }
}
