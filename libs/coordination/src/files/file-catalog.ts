import { Redis } from 'ioredis';
import { RedisKeys } from '../keys/redis-keys';

/** What Redis keeps about a stored file; the bytes live on disk under `fileId` alone. */
export interface FileRecord {
  fileId: string;
  /** Safe display name: never used as a path. */
  name: string;
  size: number;
  md5: string;
  meetingId: string;
  senderId: string;
  sender: string;
  /** Participant ids allowed to fetch it. */
  recipients: string[];
  storedAtMs: number;
}

/** What Redis keeps about an upload that has not completed, so that it can be resumed. */
export interface PendingUpload {
  uploadId: string;
  meetingId: string;
  /** The sender's username: a resume may come from a new session of the same person. */
  sender: string;
  name: string;
  size: number;
  md5: string;
}

/** File metadata in Redis: who may fetch what, per room, and uploads still under way. */
export class FileCatalog {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async add(record: FileRecord): Promise<void> {
    await this.#redis
      .multi()
      .set(RedisKeys.file(record.fileId), JSON.stringify(record))
      .sadd(RedisKeys.roomFiles(record.meetingId), record.fileId)
      .exec();
  }

  async get(fileId: string): Promise<FileRecord | null> {
    const json = await this.#redis.get(RedisKeys.file(fileId));
    return json === null ? null : (JSON.parse(json) as FileRecord);
  }

  async remove(record: Pick<FileRecord, 'fileId' | 'meetingId'>): Promise<void> {
    await this.#redis
      .multi()
      .del(RedisKeys.file(record.fileId))
      .srem(RedisKeys.roomFiles(record.meetingId), record.fileId)
      .exec();
  }

  async inRoom(meetingId: string): Promise<string[]> {
    return this.#redis.smembers(RedisKeys.roomFiles(meetingId));
  }

  async beginUpload(pending: PendingUpload): Promise<void> {
    await this.#redis.set(RedisKeys.pendingUpload(pending.uploadId), JSON.stringify(pending));
  }

  async pendingUpload(uploadId: string): Promise<PendingUpload | null> {
    const json = await this.#redis.get(RedisKeys.pendingUpload(uploadId));
    return json === null ? null : (JSON.parse(json) as PendingUpload);
  }

  async endUpload(uploadId: string): Promise<void> {
    await this.#redis.del(RedisKeys.pendingUpload(uploadId));
  }
}
