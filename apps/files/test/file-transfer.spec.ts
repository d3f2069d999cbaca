import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ControlConnection,
  ErrorCode,
  FileTransferClient,
  SaporaError,
  Session,
  TransferInterruptedError,
} from '@sapora/client';
import { FILES_TO_CLIENT_LIMITS, MessageType } from '@sapora/protocol';
import { createLogger, RunningService } from '@sapora/service-kit';
import { CuttingTcpProxy, ServiceStack, waitFor } from '@sapora/testing';
import { FilesConfig } from '../src/config/files-config';
import { filesService } from '../src/files-service';

type FilesApp = RunningService<FilesConfig>;

const LIMIT = 100 * 1024 * 1024;
const RESUME_MS = 2_000;
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

describe('file service: verified transfer over real TCP', () => {
  const stack = new ServiceStack();
  let controlPort: number;
  let files: FilesApp;
  let work: string;
  let storage: string;
  const sessions: Session[] = [];

  async function enter(
    username: string,
    meetingId: string,
  ): Promise<{ session: Session; transfer: FileTransferClient }> {
    const session = new Session({ host: '127.0.0.1', port: controlPort, username, meetingId });
    await session.connect();
    sessions.push(session);
    return {
      session,
      transfer: new FileTransferClient({ session, host: '127.0.0.1', port: files.address.port }),
    };
  }

  /** Joins with a resume token through the control frames themselves, as a reconnecting client does. */
  async function enterWithToken(username: string, meetingId: string, resumeToken: Buffer) {
    const connection = await ControlConnection.open('127.0.0.1', controlPort, 5_000);
    const reply = new Promise<{ files: Array<{ fileId: string }>; resumed: boolean }>((resolve) =>
      connection.on('frame', (frame) => {
        if (frame.type === MessageType.Joined) resolve(frame.payload);
      }),
    );
    connection.send(MessageType.Register, { username, meetingId, resumeToken });
    const joined = await reply;
    connection.destroy();
    return joined;
  }

  /** Files in the storage directory (and nothing else anywhere else is checked by the names test). */
  const stored = (): string[] => readdirSync(storage).sort();

  beforeAll(async () => {
    await stack.start(['control']);
    controlPort = stack.ports.get('control')!;
    work = mkdtempSync(join(tmpdir(), 'sapora-files-test-'));
    storage = join(work, 'storage');
    files = await filesService.start(
      {
        REDIS_URL: stack.redisUrl,
        FILES_HOST: '127.0.0.1',
        FILES_PORT: '0',
        FILES_DIR: storage,
        FILES_MAX_BYTES: String(LIMIT),
        FILES_RESUME_MS: String(RESUME_MS),
        NODE_ENV: 'test',
      },
      { logger: createLogger('files', { level: 'silent', nodeEnv: 'test' }) },
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.leave()));
    await files.app.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('sends a 100 MB file to the room: both recipients get the same MD5', async () => {
    const alice = await enter('Alice', 'team');
    const bob = await enter('Bob', 'team');
    const carol = await enter('Carol', 'team');
    const source = join(work, 'big.bin');
    const fd = openSync(source, 'w');
    const block = randomBytes(1024 * 1024);
    const hash = createHash('md5');
    for (let i = 0; i < 100; i++) {
      block[0] = i;
      writeSync(fd, block);
      hash.update(block);
    }
    closeSync(fd);
    const expected = hash.digest('hex');
    const progress: number[] = [];
    const done = await alice.transfer.upload(source, 'all', {
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(done).toMatchObject({ size: LIMIT, md5: expected, recipients: 2 });
    expect(progress.at(-1)).toBe(LIMIT);
    expect(stored()).toEqual([done.fileId]);

    for (const [who, name] of [
      [bob, 'bob.bin'],
      [carol, 'carol.bin'],
    ] as const) {
      const target = join(work, name);
      const meta = await who.transfer.download(done.fileId, target);
      expect(meta).toMatchObject({ name: 'big.bin', size: LIMIT, md5: expected, sender: 'Alice' });
      expect(md5(readFileSync(target))).toBe(expected);
      rmSync(target);
    }
  }, 60_000);

  it('keeps a private file from a third participant and from another room', async () => {
    const dan = await enter('Dan', 'private');
    const eve = await enter('Eve', 'private');
    const fay = await enter('Fay', 'private');
    const outsider = await enter('Eve', 'elsewhere');
    const source = join(work, 'secret.txt');
    writeFileSync(source, 'for Eve only');
    const done = await dan.transfer.upload(source, 'eVE');
    expect(done.recipients).toBe(1);
    for (const intruder of [fay, outsider, dan]) {
      const error = (await intruder.transfer
        .download(done.fileId, join(work, 'stolen.txt'))
        .catch((e: unknown) => e)) as SaporaError;
      expect(error).toBeInstanceOf(SaporaError);
      expect(error.code).toBe(ErrorCode.NotAllowed);
      expect(existsSync(join(work, 'stolen.txt'))).toBe(false);
      expect(existsSync(join(work, 'stolen.txt.part'))).toBe(false);
    }
    await eve.transfer.download(done.fileId, join(work, 'got.txt'));
    expect(readFileSync(join(work, 'got.txt'), 'utf8')).toBe('for Eve only');
    await expect(dan.transfer.upload(source, 'nobody')).rejects.toMatchObject({
      code: ErrorCode.NoRecipient,
    });
  });

  /** A hand-driven upload, for what the client library never sends. */
  async function rawUpload(
    session: Session,
    offer: { size: number; md5: string; name?: string; uploadId?: string },
    body: Buffer,
    answers: number,
  ) {
    const connection = await ControlConnection.open(
      '127.0.0.1',
      files.address.port,
      5_000,
      FILES_TO_CLIENT_LIMITS,
    );
    const frames: Array<{ type: number; payload: unknown }> = [];
    connection.on('frame', (frame) => frames.push(frame));
    const closed = new Promise<void>((resolve) => connection.once('close', resolve));
    connection.send(MessageType.FileOffer, {
      sessionToken: session.sessionToken,
      name: offer.name ?? 'x.bin',
      size: offer.size,
      md5: offer.md5,
      to: 'all',
      uploadId: offer.uploadId,
    });
    await waitFor(() => frames.length > 0, { what: 'an answer to the offer' });
    for (let offset = 0; offset < body.length; offset += 32 * 1024)
      connection.sendRaw(MessageType.FileChunk, body.subarray(offset, offset + 32 * 1024));
    await waitFor(() => frames.length >= answers, { what: `${answers} answers` });
    connection.destroy();
    await closed;
    return frames;
  }

  it('refuses a file over the limit before its bytes, cuts off one that lies about its size, and keeps nothing of a wrong MD5', async () => {
    const gus = await enter('Gus', 'limits');
    await enter('Hal', 'limits');
    const before = stored();

    const tooBig = await rawUpload(
      gus.session,
      { size: LIMIT + 1, md5: 'a'.repeat(32) },
      Buffer.alloc(0),
      1,
    );
    expect(tooBig[0]).toMatchObject({
      type: MessageType.Error,
      payload: { code: ErrorCode.FileTooLarge, fatal: false },
    });

    const body = randomBytes(100_000);
    const liar = await rawUpload(
      gus.session,
      { size: 50_000, md5: md5(body.subarray(0, 50_000)) },
      body,
      2,
    );
    expect(liar[0].type).toBe(MessageType.FileAccepted);
    expect(liar[1]).toMatchObject({
      type: MessageType.Error,
      payload: { code: ErrorCode.FileTooLarge, fatal: true },
    });

    const wrong = await rawUpload(gus.session, { size: body.length, md5: 'f'.repeat(32) }, body, 2);
    expect(wrong[1]).toMatchObject({
      type: MessageType.Error,
      payload: { code: ErrorCode.ChecksumMismatch },
    });

    const cut = await rawUpload(
      gus.session,
      { size: body.length, md5: md5(body) },
      body.subarray(0, 40_000),
      1,
    );
    // The interrupted one is kept for the resume window, then given up, metadata and all.
    await waitFor(() => stored().join() === before.join(), {
      what: 'no leftovers from the failed uploads',
      timeoutMs: RESUME_MS + 8_000,
    });
    const { uploadId } = cut[0].payload as { uploadId: string };
    const late = await rawUpload(
      gus.session,
      { size: body.length, md5: md5(body), uploadId },
      Buffer.alloc(0),
      1,
    );
    expect(late[0]).toMatchObject({
      type: MessageType.Error,
      payload: { code: ErrorCode.NoSuchFile, message: expect.stringContaining(uploadId) as string },
    });
  });

  /** A file of random bytes in the work directory, with its MD5. */
  function randomFile(name: string, size: number): { path: string; md5: string; bytes: Buffer } {
    const bytes = randomBytes(size);
    const path = join(work, name);
    writeFileSync(path, bytes);
    return { path, md5: md5(bytes), bytes };
  }

  it('resumes an upload cut off half way, by itself and when asked later, with the right digest', async () => {
    const pat = await enter('Pat', 'resume-up');
    const quinn = await enter('Quinn', 'resume-up');
    const proxy = await CuttingTcpProxy.start(files.address.port);
    const size = 8 * 1024 * 1024;
    try {
      const through = new FileTransferClient({
        session: pat.session,
        host: '127.0.0.1',
        port: proxy.port,
        retryDelayMs: 50,
      });
      const file = randomFile('resume-up.bin', size);

      // Dropped at half way: the client reconnects and the server answers with what it holds.
      proxy.cutNext('upstream', size / 2);
      const offsets: number[] = [];
      const done = await through.upload(file.path, 'all', {
        onProgress: (p) => offsets.push(p.bytes),
      });
      expect(done).toMatchObject({ size, md5: file.md5 });
      // At least one reconnect (a loaded machine may need another: a TLS handshake timed out).
      expect(proxy.stats.connections).toBeGreaterThanOrEqual(2);
      // Not sent twice: after the cut, only about half the file went again.
      expect(proxy.stats.upstreamBytes).toBeLessThan(size * 1.6);
      // Where the upload went on after the cut: the furthest point progress restarted from (an
      // earlier reconnect, before the server held anything, restarts from 0).
      const resumed = Math.max(...offsets.filter((bytes, i) => i > 0 && bytes < offsets[i - 1]));
      expect(resumed).toBeGreaterThan(size / 4);
      expect(resumed).toBeLessThanOrEqual(size / 2);
      const copy = join(work, 'resume-up.copy');
      await quinn.transfer.download(done.fileId, copy);
      expect(md5(readFileSync(copy))).toBe(file.md5);
      rmSync(copy);

      // No retries: the caller gets the upload id, the part waits, and a later call finishes it.
      proxy.cutNext('upstream', size / 3);
      const interrupted = (await through
        .upload(file.path, 'all', { retries: 0 })
        .catch((error: unknown) => error)) as TransferInterruptedError;
      expect(interrupted).toBeInstanceOf(TransferInterruptedError);
      expect(interrupted.uploadId).toMatch(/^[0-9a-f-]{36}$/);
      expect(stored()).toContain(`${interrupted.uploadId}.part`);
      // Someone else cannot take it over: their offer starts a new upload of their own.
      const stranger = await quinn.transfer.upload(file.path, 'all', {
        resumeUploadId: interrupted.uploadId,
      });
      expect(stranger.fileId).not.toBe(interrupted.uploadId);
      expect(stored()).toContain(`${interrupted.uploadId}.part`);

      const later = await pat.transfer.upload(file.path, 'all', {
        resumeUploadId: interrupted.uploadId,
        onProgress: (p) => offsets.push(p.bytes),
      });
      expect(later).toMatchObject({ fileId: interrupted.uploadId, size, md5: file.md5 });
      expect(readFileSync(join(storage, later.fileId)).equals(file.bytes)).toBe(true);
      expect(stored()).not.toContain(`${interrupted.uploadId}.part`);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('resumes a download cut off half way, by itself and on a second call, and checks the whole file', async () => {
    const ray = await enter('Ray', 'resume-down');
    const sol = await enter('Sol', 'resume-down');
    const proxy = await CuttingTcpProxy.start(files.address.port);
    const size = 8 * 1024 * 1024;
    try {
      const file = randomFile('resume-down.bin', size);
      const done = await ray.transfer.upload(file.path);
      const through = new FileTransferClient({
        session: sol.session,
        host: '127.0.0.1',
        port: proxy.port,
        retryDelayMs: 50,
      });
      const target = join(work, 'resume-down.copy');

      proxy.cutNext('downstream', size / 2);
      await through.download(done.fileId, target);
      expect(md5(readFileSync(target))).toBe(file.md5);
      expect(proxy.stats.connections).toBe(2);
      expect(proxy.stats.downstreamBytes).toBeLessThan(size * 1.6);
      rmSync(target);

      proxy.cutNext('downstream', size / 3);
      const interrupted = await through
        .download(done.fileId, target, { retries: 0 })
        .catch((error: unknown) => error);
      expect(interrupted).toBeInstanceOf(TransferInterruptedError);
      expect(existsSync(target)).toBe(false);
      const held = readFileSync(`${target}.part`);
      expect(held.length).toBeGreaterThan(0);
      expect(held.equals(file.bytes.subarray(0, held.length))).toBe(true);
      const starts: number[] = [];
      await through.download(done.fileId, target, {
        onProgress: (p) => starts.push(p.bytes),
      });
      expect(starts[0]).toBe(held.length);
      expect(md5(readFileSync(target))).toBe(file.md5);
      expect(existsSync(`${target}.part`)).toBe(false);
      rmSync(target);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('stores under server-made ids: names from the wire cannot escape the storage directory', async () => {
    const ida = await enter('Ida', 'names');
    const jo = await enter('Jo', 'names');
    const body = Buffer.from('harmless');
    const outside = readdirSync(work).sort();
    for (const [name, shown] of [
      ['../../etc/passwd', 'passwd'],
      ['/abs/path', 'path'],
      ['a\\b', 'b'],
      ['evil\u0000\u0007name', 'evilname'],
    ]) {
      const frames = await rawUpload(
        ida.session,
        { size: body.length, md5: md5(body), name },
        body,
        2,
      );
      const done = frames[1] as { type: number; payload: { fileId: string } };
      expect(done.type).toBe(MessageType.FileDone);
      expect(done.payload.fileId).toMatch(/^[0-9a-f-]{36}$/);
      const meta = await jo.transfer.download(done.payload.fileId, join(work, 'fetched'));
      expect(meta.name).toBe(shown);
      rmSync(join(work, 'fetched'));
    }
    expect(readdirSync(work).sort()).toEqual(outside);
    expect(stored().every((file) => /^[0-9a-f-]{36}$/.test(file))).toBe(true);
  });

  it('leaves no file when a download fails its MD5 check', async () => {
    const kim = await enter('Kim', 'corrupt');
    const lee = await enter('Lee', 'corrupt');
    const source = join(work, 'fragile.bin');
    writeFileSync(source, randomBytes(70_000));
    const done = await kim.transfer.upload(source);
    const onDisk = join(storage, done.fileId);
    const bytes = readFileSync(onDisk);
    bytes[1234] ^= 0xff;
    writeFileSync(onDisk, bytes);
    const target = join(work, 'fragile-copy.bin');
    await expect(lee.transfer.download(done.fileId, target)).rejects.toMatchObject({
      code: ErrorCode.ChecksumMismatch,
    });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it('tells the recipients over their control connection, and lists the file when they come back', async () => {
    const mo = await enter('Mo', 'notices');
    const ned = await enter('Ned', 'notices');
    const oz = await enter('Oz', 'notices');
    const notices: Array<{ who: string; name: string; sender: string; private: boolean }> = [];
    for (const { session } of [mo, ned, oz]) {
      session.on('file', (notice) =>
        notices.push({
          who: session.username,
          name: notice.name,
          sender: notice.sender,
          private: notice.private,
        }),
      );
    }
    const source = join(work, 'agenda.md');
    writeFileSync(source, '# agenda');
    const done = await mo.transfer.upload(source, 'ned');
    await waitFor(() => notices.length === 1, { what: 'the notice' });
    expect(notices).toEqual([{ who: 'Ned', name: 'agenda.md', sender: 'Mo', private: true }]);

    // A recipient's session that comes back (same participant) is told again in its join reply.
    const resumed = await enterWithToken('Ned', 'notices', ned.session.sessionToken!);
    expect(resumed.files.map((file) => file.fileId)).toEqual([done.fileId]);
  });
});
