import { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { FileCatalog, QueueNames, Redis, RedisLink } from '@sapora/coordination';
import { Logger } from '@sapora/service-kit';
import { FileStorage } from '../storage/file-storage';

const EXPIRE_FILE = 'expire-file';
const EXPIRE_ROOM = 'expire-room';
const EXPIRE_UPLOAD = 'expire-upload';

/** Bytes on disk younger than this are never taken for orphans: their record may be on its way. */
const ORPHAN_GRACE_MS = 60_000;

/**
 * Deleting files, as BullMQ jobs: one delayed job per file for its retention time, one at once
 * for a room that has closed (its files and its unfinished uploads), and one per upload that
 * gives up its part once nobody has written to it for the resume window. The jobs live in
 * Redis, so a restart of the service loses none. Bytes whose record is gone (a Redis that came
 * back empty) are found by a sweep at start and after every reconnect.
 */
export class FileExpiry implements OnModuleInit, BeforeApplicationShutdown {
  readonly #queue: Queue;
  readonly #worker: Worker;
  readonly #catalog: FileCatalog;
  readonly #storage: FileStorage;
  readonly #logger: Logger;
  readonly #resumeWindowMs: number;

  constructor(
    connection: Redis,
    catalog: FileCatalog,
    storage: FileStorage,
    logger: Logger,
    resumeWindowMs: number,
    link: RedisLink,
  ) {
    this.#catalog = catalog;
    this.#storage = storage;
    this.#logger = logger;
    this.#resumeWindowMs = resumeWindowMs;
    this.#queue = new Queue(QueueNames.filesExpiry, { connection });
    this.#worker = new Worker(
      QueueNames.filesExpiry,
      async (job) => {
        const data = job.data as { fileId?: string; meetingId?: string; uploadId?: string };
        if (job.name === EXPIRE_FILE && data.fileId !== undefined) await this.#expire(data.fileId);
        if (job.name === EXPIRE_ROOM && data.meetingId !== undefined) {
          for (const fileId of await catalog.inRoom(data.meetingId)) await this.#expire(fileId);
          for (const uploadId of await catalog.pendingInRoom(data.meetingId))
            await this.#giveUpUpload(uploadId);
        }
        if (job.name === EXPIRE_UPLOAD && data.uploadId !== undefined) {
          const idleMs = storage.partIdleMs(data.uploadId);
          // Still being written (or resumed since): look again when it could next be idle enough.
          if (idleMs !== null && idleMs < this.#resumeWindowMs) {
            await this.#checkUploadLater(data.uploadId, this.#resumeWindowMs - idleMs);
            return;
          }
          await this.#giveUpUpload(data.uploadId);
        }
      },
      { connection, concurrency: 1, autorun: false },
    );
    this.#worker.on('failed', (_job, error) => logger.error({ err: error }, 'file expiry failed'));
    this.#worker.on('error', (error) => logger.error({ err: error }, 'file expiry worker error'));
    link.onReconnect(
      () => this.#sweepOrphans(),
      (error) => logger.error({ err: error }, 'could not look for orphaned files'),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.#sweepOrphans();
    void this.#worker.run();
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

  async roomClosed(meetingId: string): Promise<void> {
    await this.#queue.add(
      EXPIRE_ROOM,
      { meetingId },
      { removeOnComplete: true, removeOnFail: 100 },
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }

  async #checkUploadLater(uploadId: string, delayMs: number): Promise<void> {
    await this.#queue.add(
      EXPIRE_UPLOAD,
      { uploadId },
      { delay: Math.ceil(delayMs), removeOnComplete: true, removeOnFail: 100 },
    );
  }

  async #expire(fileId: string): Promise<void> {
    const record = await this.#catalog.get(fileId);
    this.#storage.delete(fileId);
    if (record !== null) await this.#catalog.remove(record);
    this.#logger.info({ fileId }, 'file expired');
  }

  async #giveUpUpload(uploadId: string): Promise<void> {
    const held = this.#storage.partIdleMs(uploadId) !== null;
    this.#storage.deletePart(uploadId);
    await this.#catalog.endUpload(uploadId);
    if (held) this.#logger.info({ uploadId }, 'interrupted upload given up');
  }

  /** Deletes stored bytes that no record in Redis accounts for any more. */
  async #sweepOrphans(): Promise<void> {
    for (const entry of this.#storage.entries()) {
      if (entry.ageMs < ORPHAN_GRACE_MS) continue;
      const known = entry.part
        ? (await this.#catalog.pendingUpload(entry.id)) !== null
        : (await this.#catalog.get(entry.id)) !== null;
      if (known) continue;
      if (entry.part) this.#storage.deletePart(entry.id);
      else this.#storage.delete(entry.id);
      this.#logger.info(
        { id: entry.id, part: entry.part },
        'deleted stored bytes no record accounts for',
      );
    }
  }
}
