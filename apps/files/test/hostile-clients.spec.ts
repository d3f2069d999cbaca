import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTransferClient, Session } from '@sapora/client';
import { RedisKeys } from '@sapora/coordination';
import {
  CLIENT_TO_FILES_LIMITS,
  encodeFrame,
  ErrorCode,
  FILES_TO_CLIENT_LIMITS,
  MessageType,
} from '@sapora/protocol';
import { createLogger, RunningService } from '@sapora/service-kit';
import { describeBadFrames, RawFramedClient, ServiceStack, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { FilesConfig } from '../src/config/files-config';
import { filesService } from '../src/files-service';

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');
const MB = 1024 * 1024;

/** What a peer on a shared LAN can try against the file service, and what it gets. */
describe('file service: hostile and idle clients', () => {
  const stack = new ServiceStack();
  let redis: Redis;
  let files: RunningService<FilesConfig>;
  let work: string;
  let storage: string;
  const sessions: Session[] = [];
  const raw: RawFramedClient[] = [];

  async function enter(username: string, meetingId: string) {
    const session = new Session({
      host: '127.0.0.1',
      port: stack.ports.get('control')!,
      username,
      meetingId,
    });
    await session.connect();
    sessions.push(session);
    return {
      session,
      transfer: new FileTransferClient({ session, host: '127.0.0.1', port: files.address.port }),
    };
  }

  async function rawClient(): Promise<RawFramedClient> {
    const client = await RawFramedClient.connect(files.address.port, FILES_TO_CLIENT_LIMITS);
    raw.push(client);
    return client;
  }

  /** Starts an upload by hand, sends `bytes` of it, and drops the connection: a resumable part. */
  async function interruptedUpload(token: Buffer, size: number, bytes: number): Promise<string> {
    const client = await rawClient();
    client.send(MessageType.FileOffer, {
      sessionToken: token,
      name: 'part.bin',
      size,
      md5: '0'.repeat(32),
      to: 'all',
    });
    const { uploadId } = await client.next(MessageType.FileAccepted);
    client.sendBytes(encodeFrame(MessageType.FileChunk, 2, Buffer.alloc(bytes, 1)));
    await waitFor(
      () =>
        existsSync(join(storage, `${uploadId}.part`)) &&
        readFileSync(join(storage, `${uploadId}.part`)).length === bytes,
      {
        what: 'the part on disk',
      },
    );
    client.close();
    return uploadId;
  }

  let served = 0;
  /** A good client after every attack: a file goes from one participant to another, checked. */
  async function sendsAFile(): Promise<void> {
    const room = `good-${++served}`;
    const alice = await enter('alice', room);
    const bob = await enter('bob', room);
    const bytes = randomBytes(200_000);
    const path = join(work, `${room}.bin`);
    writeFileSync(path, bytes);
    const notice = new Promise<{ fileId: string }>((resolve) => bob.session.once('file', resolve));
    await alice.transfer.upload(path, 'bob');
    const saved = join(work, `${room}.received`);
    await bob.transfer.download((await notice).fileId, saved);
    expect(md5(readFileSync(saved))).toBe(md5(bytes));
    await alice.session.leave();
    await bob.session.leave();
  }

  beforeAll(async () => {
    await stack.start(['control']);
    redis = new Redis(stack.redisUrl);
    work = mkdtempSync(join(tmpdir(), 'sapora-files-hostile-'));
    storage = join(work, 'storage');
    files = await filesService.start(
      {
        REDIS_URL: stack.redisUrl,
        FILES_HOST: '127.0.0.1',
        FILES_PORT: '0',
        FILES_DIR: storage,
        INCOMPLETE_FRAME_TIMEOUT_MS: '300',
        AUTH_TIMEOUT_MS: '500',
        FILES_UPLOAD_IDLE_MS: '500',
        FILES_MAX_PARTS_PER_SESSION: '2',
        FILES_PARTS_MAX_BYTES: String(5 * MB),
        NODE_ENV: 'test',
      },
      { logger: createLogger('files', { level: 'silent', nodeEnv: 'test' }) },
    );
  }, 60_000);

  afterAll(async () => {
    raw.forEach((client) => client.close());
    await Promise.all(sessions.map((session) => session.leave()));
    await files.app.close();
    redis.disconnect();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  });

  describeBadFrames('files', {
    port: () => files.address.port,
    answers: FILES_TO_CLIENT_LIMITS,
    accepts: [...CLIENT_TO_FILES_LIMITS.keys()],
    probe: {
      type: MessageType.FileFetch,
      payload: { sessionToken: Buffer.alloc(16), fileId: 'none' },
      answer: MessageType.Error,
    },
    servesGoodClient: sendsAFile,
  });

  it('closes a connection that was refused once and then holds on without a session', async () => {
    const client = await rawClient();
    client.send(MessageType.FileFetch, { sessionToken: randomBytes(16), fileId: 'x' });
    expect(await client.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.SessionExpired,
      fatal: false,
    });
    // Refusals do not buy time: the deadline to show a live session still runs.
    expect(await client.next(MessageType.Error, 5_000)).toMatchObject({
      code: ErrorCode.Timeout,
      fatal: true,
    });
    await client.closed;
    await sendsAFile();
  });

  it('cuts off an upload that stops sending, and keeps it resumable', async () => {
    const { session } = await enter('stalls', 'stall-room');
    await enter('watcher', 'stall-room');
    const client = await rawClient();
    client.send(MessageType.FileOffer, {
      sessionToken: session.sessionToken!,
      name: 'slow.bin',
      size: 1000,
      md5: '0'.repeat(32),
      to: 'all',
    });
    const { uploadId } = await client.next(MessageType.FileAccepted);
    client.sendBytes(encodeFrame(MessageType.FileChunk, 2, Buffer.alloc(100, 1)));
    expect(await client.next(MessageType.Error, 5_000)).toMatchObject({
      code: ErrorCode.Timeout,
      fatal: true,
    });
    await client.closed;
    expect(readFileSync(join(storage, `${uploadId}.part`))).toHaveLength(100);
    expect(await redis.exists(RedisKeys.pendingUpload(uploadId))).toBe(1);
  });

  it('caps interrupted uploads per session and in total, and deletes a room’s parts when it closes', async () => {
    const a = await enter('hoarder', 'parts');
    const b = await enter('other', 'parts');
    const token = a.session.sessionToken!;
    const first = await interruptedUpload(token, 2 * MB, 1000);
    const second = await interruptedUpload(token, 2 * MB, 1000);
    // A third part for the same session is refused, clearly, and writes nothing.
    const third = await rawClient();
    third.send(MessageType.FileOffer, {
      sessionToken: token,
      name: 'third.bin',
      size: 1000,
      md5: '0'.repeat(32),
      to: 'all',
    });
    expect(await third.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.RateLimited,
      message: expect.stringMatching(/already have 2 uploads under way or waiting to be resumed/),
    });
    // 4 MB of the 5 MB allowed in all are held: another session's 2 MB does not fit.
    const fourth = await rawClient();
    fourth.send(MessageType.FileOffer, {
      sessionToken: b.session.sessionToken!,
      name: 'big.bin',
      size: 2 * MB,
      md5: '0'.repeat(32),
      to: 'all',
    });
    expect(await fourth.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.FileTooLarge,
      message: expect.stringMatching(/too many unfinished uploads/),
    });
    const parts = () => readdirSync(storage).filter((name) => name.endsWith('.part'));
    expect(parts()).toEqual(expect.arrayContaining([`${first}.part`, `${second}.part`]));
    // Everyone leaves: the room closes, and its parts and their records go with it.
    await a.session.leave();
    await b.session.leave();
    await waitFor(
      () =>
        !existsSync(join(storage, `${first}.part`)) && !existsSync(join(storage, `${second}.part`)),
      {
        timeoutMs: 10_000,
        what: 'the room’s parts deleted',
      },
    );
    expect(
      await redis.exists(RedisKeys.pendingUpload(first), RedisKeys.pendingUpload(second)),
    ).toBe(0);
    expect(await redis.exists(RedisKeys.roomUploads('parts'))).toBe(0);
  });
});
