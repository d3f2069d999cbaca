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
  /** The file service node holding its bytes, and where clients reach it ('' : the control host). */
  nodeId: string;
  host: string;
  port: number;
}

/** What Redis keeps about an upload that has not completed, so that it can be resumed. */
export interface PendingUpload {
  uploadId: string;
  meetingId: string;
  /** The sender's username, as shown. */
  sender: string;
  /** The sender's name key: a resume may come from a new session of the same person. */
  senderKey: string;
  /** The participant id of the session that started it: what the per-session cap counts. */
  senderId: string;
  name: string;
  size: number;
  md5: string;
}

/** Bounds on interrupted uploads, whose parts wait on disk to be resumed. */
export interface UploadLimits {
  /** Uploads one session may have pending at once. */
  perSession: number;
  /** Announced bytes of every pending upload together. */
  totalBytes: number;
}

export type BeginUploadOutcome = 'OK' | 'TOO_MANY' | 'FULL';

// Records a new upload only within the limits: pending uploads per session (counted in the
// room's index) and announced bytes of all pending uploads (the scores of the global index).
const BEGIN_UPLOAD_LUA = `
local pending, sizes, inRoom = KEYS[1], KEYS[2], KEYS[3]
local uploadId, record, senderId, size, perSession, totalBytes =
  ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local mine = 0
for _, owner in ipairs(redis.call('HVALS', inRoom)) do
  if owner == senderId then mine = mine + 1 end
end
if mine >= perSession then return 'TOO_MANY' end
local held = 0
local all = redis.call('ZRANGE', sizes, 0, -1, 'WITHSCORES')
for i = 2, #all, 2 do held = held + tonumber(all[i]) end
if held + size > totalBytes then return 'FULL' end
redis.call('SET', pending, record)
redis.call('ZADD', sizes, size, uploadId)
redis.call('HSET', inRoom, uploadId, senderId)
return 'OK'
`;

// Forgets a pending upload and its entries in both indexes.
const END_UPLOAD_LUA = `
local pending, sizes, roomPrefix, roomSuffix, uploadId = KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]
local record = redis.call('GET', pending)
redis.call('DEL', pending)
redis.call('ZREM', sizes, uploadId)
if record then
  redis.call('HDEL', roomPrefix .. cjson.decode(record).meetingId .. roomSuffix, uploadId)
end
return 1
`;

interface ScriptedRedis extends Redis {
  saporaBeginUpload(...args: (string | number)[]): Promise<BeginUploadOutcome>;
  saporaEndUpload(...args: (string | number)[]): Promise<number>;
}

/** File metadata in Redis: who may fetch what, per room, and uploads still under way. */
export class FileCatalog {
  readonly #redis: ScriptedRedis;

  constructor(redis: Redis) {
    redis.defineCommand('saporaBeginUpload', { numberOfKeys: 3, lua: BEGIN_UPLOAD_LUA });
    redis.defineCommand('saporaEndUpload', { numberOfKeys: 2, lua: END_UPLOAD_LUA });
    this.#redis = redis as ScriptedRedis;
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

  /** Records a new upload, unless it would pass the limits (then nothing is written). */
  async beginUpload(pending: PendingUpload, limits: UploadLimits): Promise<BeginUploadOutcome> {
    return this.#redis.saporaBeginUpload(
      RedisKeys.pendingUpload(pending.uploadId),
      RedisKeys.pendingUploadSizes,
      RedisKeys.roomUploads(pending.meetingId),
      pending.uploadId,
      JSON.stringify(pending),
      pending.senderId,
      pending.size,
      limits.perSession,
      limits.totalBytes,
    );
  }

  async pendingUpload(uploadId: string): Promise<PendingUpload | null> {
    const json = await this.#redis.get(RedisKeys.pendingUpload(uploadId));
    return json === null ? null : (JSON.parse(json) as PendingUpload);
  }

  /** Ids of the room's uploads not yet complete. */
  async pendingInRoom(meetingId: string): Promise<string[]> {
    return this.#redis.hkeys(RedisKeys.roomUploads(meetingId));
  }

  async endUpload(uploadId: string): Promise<void> {
    const [roomPrefix, roomSuffix] = RedisKeys.roomUploads('\0').split('\0');
    await this.#redis.saporaEndUpload(
      RedisKeys.pendingUpload(uploadId),
      RedisKeys.pendingUploadSizes,
      roomPrefix,
      roomSuffix,
      uploadId,
    );
  }
}
