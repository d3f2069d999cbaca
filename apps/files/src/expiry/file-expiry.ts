import { Queue, Worker } from 'bullmq';
import { FileCatalog, QueueNames, Redis } from '@sapora/coordination';
import { Logger } from '@sapora/service-kit';
import { FileStorage } from '../storage/file-storage';

const EXPIRE_FILE = 'expire-file';
const EXPIRE_ROOM = 'expire-room';

/**
 * Deleting files, as BullMQ jobs: one delayed job per file for its retention time, and one at
 * once for a room that has closed. The jobs live in Redis, so a restart of the service loses
 * none of them.
 */
export class FileExpiry {
  readonly #queue: Queue;
  readonly #worker: Worker;

  constructor(connection: Redis, catalog: FileCatalog, storage: FileStorage, logger: Logger) {
    this.#queue = new Queue(QueueNames.filesExpiry, { connection });
    const expire = async (fileId: string): Promise<void> => {
      const record = await catalog.get(fileId);
      storage.delete(fileId);
      if (record !== null) await catalog.remove(record);
      logger.info({ fileId }, 'file expired');
    };
    this.#worker = new Worker(
      QueueNames.filesExpiry,
      async (job) => {
        const data = job.data as { fileId?: string; meetingId?: string };
        if (job.name === EXPIRE_FILE && data.fileId !== undefined) await expire(data.fileId);
        if (job.name === EXPIRE_ROOM && data.meetingId !== undefined) {
          for (const fileId of await catalog.inRoom(data.meetingId)) await expire(fileId);
        }
      },
      { connection, concurrency: 1 },
    );
    this.#worker.on('failed', (_job, error) => logger.error({ err: error }, 'file expiry failed'));
    this.#worker.on('error', (error) => logger.error({ err: error }, 'file expiry worker error'));
  }

  async afterRetention(fileId: string, retentionMs: number): Promise<void> {
    await this.#queue.add(
      EXPIRE_FILE,
      { fileId },
      { delay: retentionMs, jobId: `file-${fileId}`, removeOnComplete: true, removeOnFail: 100 },
    );
  }

  async roomClosed(meetingId: string): Promise<void> {
    await this.#queue.add(
      EXPIRE_ROOM,
      { meetingId },
      { removeOnComplete: true, removeOnFail: 100 },
    );
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }
}
