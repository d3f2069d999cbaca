import { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueNames } from '../keys/redis-keys';
import { RedisLink } from '../redis/redis-link';

/** One repeatable piece of upkeep: its job name, its period, and what it does. */
export interface MaintenanceJob {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

/**
 * The control service's repeatable upkeep (the session sweep, the placement watch), as BullMQ
 * job schedulers: they live in Redis, so they survive a restart and run once per period however
 * many control instances there are. A Redis that comes back empty has lost the schedules, so
 * they are set again on every reconnect.
 */
export class MaintenanceQueue implements OnModuleInit, BeforeApplicationShutdown {
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #jobs: Map<string, MaintenanceJob>;

  constructor(
    connection: Redis,
    link: RedisLink,
    jobs: MaintenanceJob[],
    onError: (error: unknown) => void,
  ) {
    this.#jobs = new Map(jobs.map((job) => [job.name, job]));
    this.#queue = new Queue(QueueNames.controlMaintenance, { connection });
    this.#worker = new Worker(
      QueueNames.controlMaintenance,
      async (job) => {
        await this.#jobs.get(job.name)?.run();
      },
      // Each job name runs one at a time per instance; different jobs do not wait for each other.
      { connection, concurrency: jobs.length, autorun: false },
    );
    this.#worker.on('failed', (_job, error) => onError(error));
    this.#worker.on('error', onError);
    link.onReconnect(() => this.#schedule(), onError);
  }

  /** Schedules every job (replacing any older schedule of it) and starts working. */
  async onModuleInit(): Promise<void> {
    await this.#schedule();
    void this.#worker.run();
  }

  async #schedule(): Promise<void> {
    for (const job of this.#jobs.values())
      await this.#queue.upsertJobScheduler(
        job.name,
        { every: job.everyMs },
        { name: job.name, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }
}
