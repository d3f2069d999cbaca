import { Queue, Worker } from 'bullmq';
import { FileCatalog, QueueNames, Redis } from '@sapora/coordination';
import { Logger } from '@sapora/service-kit';
import { FileStorage } from '../storage/file-storage';

const EXPIRE_FILE = 'expire-file';
const EXPIRE_ROOM = 'expire-room';
const EXPIRE_UPLOAD = 'expire-upload';

/**
 * Deleting files, as BullMQ jobs: one delayed job per file for its retention time, one at once
 * for a room that has closed, and one per upload that gives up its part once nobody has written
 * to it for the resume window. The jobs live in Redis, so a restart of the service loses none.
 */
export class FileExpiry {
  readonly #queue: Queue;
  readonly #worker: Worker;

  readonly #resumeWindowMs: number;

  constructor(
    connection: Redis,
    catalog: FileCatalog,
    storage: FileStorage,
    logger: Logger,
    resumeWindowMs: number,
  ) {
    this.#resumeWindowMs = resumeWindowMs;
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
        const data = job.data as { fileId?: string; meetingId?: string; uploadId?: string };
        if (job.name === EXPIRE_FILE && data.fileId !== undefined) await expire(data.fileId);
        if (job.name === EXPIRE_ROOM && data.meetingId !== undefined) {
          for (const fileId of await catalog.inRoom(data.meetingId)) await expire(fileId);
        }
        if (job.name === EXPIRE_UPLOAD && data.uploadId !== undefined) {
          const idleMs = storage.partIdleMs(data.uploadId);
          // Still being written (or resumed since): look again when it could next be idle enough.
          if (idleMs !== null && idleMs < this.#resumeWindowMs) {
            await this.#checkUploadLater(data.uploadId, this.#resumeWindowMs - idleMs);
            return;
          }
          storage.deletePart(data.uploadId);
          await catalog.endUpload(data.uploadId);
          if (idleMs !== null)
            logger.info({ uploadId: data.uploadId }, 'interrupted upload given up');
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

  /** Gives up the upload's part if it is ever left unwritten for the resume window. */
  async uploadStarted(uploadId: string): Promise<void> {
    await this.#checkUploadLater(uploadId, this.#resumeWindowMs);
  }

  async #checkUploadLater(uploadId: string, delayMs: number): Promise<void> {
    await this.#queue.add(
      EXPIRE_UPLOAD,
      { uploadId },
      { delay: Math.ceil(delayMs), removeOnComplete: true, removeOnFail: 100 },
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
