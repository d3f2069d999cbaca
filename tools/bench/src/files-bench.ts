/**
 * File transfer benchmark: one 100 MiB file of random bytes on loopback, uploaded to a room and
 * downloaded by a recipient through the built file service (its own process, with control and a
 * redis-server of its own), and the same bytes through a bare TCP copy with MD5 at both ends
 * (bare-tcp-copy.ts, also its own process): the ceiling. Alternating, five rounds each; figures are medians.
 *   npm run bench:files
 * Upload time is the whole `FileTransferClient.upload()` call: the client's MD5 pass over the
 * file, the offer, the bytes, and the server's MD5 check and FILE_DONE. Download time is the whole
 * `download()` call: fetch, MD5 as the bytes arrive, write to disk, rename. MB = 10^6 bytes.
 * The client goes over TLS, as by default; each round also moves the file over plain TCP (the
 * services allow it for this run), for the cost of TLS as a ratio.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { FileTransferClient, md5OfFile, Session } from '@sapora/client';
import { freePort, startRedis } from '@sapora/testing';
import { figure } from './stats';
import { Stoppable, startTcpService } from './bench-services';

const SIZE = 100 * 1024 * 1024;
const ROUNDS = 5;

function makeFile(path: string): void {
  const fd = openSync(path, 'w');
  const block = randomBytes(1024 * 1024);
  for (let i = 0; i < SIZE / block.length; i++) {
    block.writeUInt32BE(i, 0);
    writeSync(fd, block);
  }
  closeSync(fd);
}

function mbPerSecond(ms: number): number {
  return SIZE / 1e6 / (ms / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Bare upload: read, hash and send; the server hashes, writes and answers its MD5. */
async function bareUpload(port: number, source: string): Promise<string> {
  const socket = await open(port);
  const head = Buffer.alloc(9);
  head[0] = 0x55;
  head.writeBigUInt64BE(BigInt(SIZE), 1);
  socket.write(head);
  const hash = createHash('md5');
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (bytes: Buffer) => (text += bytes.toString()));
    socket.on('end', () => resolve(text));
  });
  for await (const chunk of createReadStream(source, {
    highWaterMark: 256 * 1024,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  const theirs = await answer;
  const ours = hash.digest('hex');
  if (theirs !== ours) throw new Error(`bare upload: MD5 ${theirs} at the server, ${ours} sent`);
  return ours;
}

/** Bare download: receive, hash and write. */
async function bareDownload(port: number, target: string): Promise<string> {
  const socket = await open(port);
  const file = createWriteStream(target);
  const hash = createHash('md5');
  let header = true;
  socket.write('D');
  await new Promise<void>((resolve) => {
    socket.on('data', (bytes: Buffer) => {
      const body = header ? bytes.subarray(8) : bytes;
      header = false;
      hash.update(body);
      if (!file.write(body)) {
        socket.pause();
        file.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => file.end(resolve));
  });
  return hash.digest('hex');
}

async function startBare(port: number, dir: string): Promise<Stoppable> {
  const child = spawn(process.execPath, [join(__dirname, 'bare-tcp-copy.js'), String(port), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) =>
    createInterface({ input: child.stdout }).once('line', () => resolve()),
  );
  return {
    async stop(): Promise<void> {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sapora-files-bench-'));
  const source = join(work, 'source.bin');
  const target = join(work, 'target.bin');
  makeFile(source);
  const expected = await md5OfFile(source);
  const bareDir = join(work, 'bare');
  const storage = join(work, 'storage');
  const redis = await startRedis();
  const [controlPort, filesPort, barePort] = [await freePort(), await freePort(), await freePort()];
  const processes: Stoppable[] = [];
  const sessions: Session[] = [];
  const times = {
    upload: [] as number[],
    download: [] as number[],
    plainUpload: [] as number[],
    plainDownload: [] as number[],
    bareUpload: [] as number[],
    bareDownload: [] as number[],
  };
  try {
    processes.push(
      await startTcpService('control', redis.url, controlPort, { SAPORA_ALLOW_PLAINTEXT: '1' }),
      await startTcpService('files', redis.url, filesPort, {
        FILES_DIR: storage,
        SAPORA_ALLOW_PLAINTEXT: '1',
      }),
    );
    mkdirSync(bareDir);
    processes.push(await startBare(barePort, bareDir));
    copyFileSync(source, join(bareDir, 'download.bin'));
    const pair = async (insecure: boolean): Promise<FileTransferClient[]> => {
      const clients: FileTransferClient[] = [];
      for (const username of ['sender', 'recipient']) {
        const session = new Session({
          host: '127.0.0.1',
          port: controlPort,
          username,
          meetingId: insecure ? 'files-bench-plain' : 'files-bench',
          trust: { insecure },
        });
        await session.connect();
        sessions.push(session);
        clients.push(new FileTransferClient({ session, host: '127.0.0.1', port: filesPort }));
      }
      return clients;
    };
    const [up, down] = await pair(false);
    const [plainUp, plainDown] = await pair(true);
    /** Uploads and downloads once; returns the two times. */
    const transfer = async (
      from: FileTransferClient,
      to: FileTransferClient,
    ): Promise<[number, number]> => {
      let fileId = '';
      const upload = await timed(async () => {
        const done = await from.upload(source, 'all');
        if (done.md5 !== expected) throw new Error('upload: wrong MD5');
        fileId = done.fileId;
      });
      const download = await timed(async () => {
        const meta = await to.download(fileId, target);
        if (meta.md5 !== expected) throw new Error('download: wrong MD5');
      });
      rmSync(target);
      rmSync(join(storage, fileId));
      return [upload, download];
    };
    for (let round = 0; round < ROUNDS; round++) {
      const [upload, download] = await transfer(up, down);
      times.upload.push(upload);
      times.download.push(download);
      const [plainUpload, plainDownload] = await transfer(plainUp, plainDown);
      times.plainUpload.push(plainUpload);
      times.plainDownload.push(plainDownload);
      times.bareUpload.push(await timed(() => bareUpload(barePort, source)));
      times.bareDownload.push(
        await timed(async () => {
          if ((await bareDownload(barePort, target)) !== expected)
            throw new Error('bare download: wrong MD5');
        }),
      );
      rmSync(target);
      console.log(
        `round ${round + 1}: upload ${mbPerSecond(times.upload[round]).toFixed(0)} MB/s, download ${mbPerSecond(times.download[round]).toFixed(0)} MB/s; ` +
          `plain upload ${mbPerSecond(plainUpload).toFixed(0)} MB/s, plain download ${mbPerSecond(plainDownload).toFixed(0)} MB/s; ` +
          `bare upload ${mbPerSecond(times.bareUpload[round]).toFixed(0)} MB/s, bare download ${mbPerSecond(times.bareDownload[round]).toFixed(0)} MB/s`,
      );
    }
  } finally {
    await Promise.all(sessions.map((session) => session.leave()));
    for (const service of processes.reverse()) await service.stop();
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const rate = (values: number[]) => mbPerSecond(median(values));
  console.log(figure('files.upload_mb_per_s', rate(times.upload), 'MB/s', 0));
  console.log(figure('files.download_mb_per_s', rate(times.download), 'MB/s', 0));
  console.log(figure('files.plain.upload_mb_per_s', rate(times.plainUpload), 'MB/s', 0));
  console.log(figure('files.plain.download_mb_per_s', rate(times.plainDownload), 'MB/s', 0));
  console.log(figure('files.bare.upload_mb_per_s', rate(times.bareUpload), 'MB/s', 0));
  console.log(figure('files.bare.download_mb_per_s', rate(times.bareDownload), 'MB/s', 0));
  console.log(
    figure(
      'files.tls_vs_plain.upload_pct',
      (100 * rate(times.upload)) / rate(times.plainUpload),
      '%',
      1,
    ),
  );
  console.log(
    figure(
      'files.tls_vs_plain.download_pct',
      (100 * rate(times.download)) / rate(times.plainDownload),
      '%',
      1,
    ),
  );
  console.log(
    figure('files.upload_vs_bare_pct', (100 * rate(times.upload)) / rate(times.bareUpload), '%', 1),
  );
  console.log(
    figure(
      'files.download_vs_bare_pct',
      (100 * rate(times.download)) / rate(times.bareDownload),
      '%',
      1,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
