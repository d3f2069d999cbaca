import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, FileTransferClient, Session } from '@sapora/client';
import { RedisKeys } from '@sapora/coordination';
import { createLogger, RunningService } from '@sapora/service-kit';
import { ServiceStack, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { FilesConfig } from '../src/config/files-config';
import { filesService } from '../src/files-service';

type FilesApp = RunningService<FilesConfig>;

describe('file service: expiry by BullMQ jobs', () => {
  const stack = new ServiceStack();
  let redis: Redis;
  let controlPort: number;
  let work: string;
  let storage: string;
  let files: FilesApp;
  const env = () => ({
    REDIS_URL: stack.redisUrl,
    FILES_HOST: '127.0.0.1',
    FILES_PORT: '0',
    FILES_DIR: storage,
    FILES_RETENTION_MS: '1500',
    NODE_ENV: 'test',
  });
  const logger = createLogger('files', { level: 'silent', nodeEnv: 'test' });

  async function enter(username: string, meetingId: string) {
    const session = new Session({ host: '127.0.0.1', port: controlPort, username, meetingId });
    await session.connect();
    return {
      session,
      transfer: new FileTransferClient({ session, host: '127.0.0.1', port: files.address.port }),
    };
  }

  beforeAll(async () => {
    await stack.start(['control']);
    redis = new Redis(stack.redisUrl);
    controlPort = stack.ports.get('control')!;
    work = mkdtempSync(join(tmpdir(), 'sapora-files-expiry-'));
    storage = join(work, 'storage');
    files = await filesService.start(env(), { logger });
  }, 60_000);

  afterAll(async () => {
    await files.app.close();
    redis.disconnect();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('deletes a file and its metadata after the retention time, even across a restart of the service', async () => {
    const sender = await enter('Pia', 'retention');
    const keeper = await enter('Quin', 'retention');
    const source = join(work, 'short-lived.txt');
    writeFileSync(source, 'gone soon');
    const done = await sender.transfer.upload(source, 'all');
    expect(existsSync(join(storage, done.fileId))).toBe(true);

    // The delayed job is in Redis: a new instance of the service carries it out.
    await files.app.close();
    files = await filesService.start(env(), { logger });
    const transfer = new FileTransferClient({
      session: keeper.session,
      host: '127.0.0.1',
      port: files.address.port,
    });

    await waitFor(
      async () =>
        !existsSync(join(storage, done.fileId)) &&
        (await redis.exists(RedisKeys.file(done.fileId))) === 0,
      {
        timeoutMs: 10_000,
        what: 'the file to expire',
      },
    );
    await expect(transfer.download(done.fileId, join(work, 'late.txt'))).rejects.toMatchObject({
      code: ErrorCode.NoSuchFile,
    });
    await Promise.all([sender.session.leave(), keeper.session.leave()]);
  }, 60_000);

  it('deletes a room’s files when its last member leaves', async () => {
    const a = await enter('Rae', 'closing');
    const b = await enter('Sol', 'closing');
    const source = join(work, 'room-file.txt');
    writeFileSync(source, 'for this meeting only');
    const done = await a.transfer.upload(source, 'sol');
    await a.session.leave();
    expect(existsSync(join(storage, done.fileId))).toBe(true);
    await b.session.leave();
    await waitFor(() => !readdirSync(storage).includes(done.fileId), {
      timeoutMs: 10_000,
      what: 'the room’s files to go',
    });
    expect(await redis.exists(RedisKeys.file(done.fileId), RedisKeys.roomFiles('closing'))).toBe(0);
  });
});
