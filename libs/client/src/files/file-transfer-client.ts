import { createHash, Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_PORTS,
  ErrorCode,
  FILE_CHUNK_BYTES,
  FileDone,
  FileMeta,
  FileNotice,
  FILES_TO_CLIENT_LIMITS,
  MessageType,
} from '@sapora/protocol';
import { ControlConnection, ControlFrame } from '../control/control-connection';
import { SaporaError } from '../sapora-error';
import { mediaTarget, MediaTarget } from '../media/media-socket';
import { Session } from '../session';
import { FrameWaiter } from './frame-waiter';

/** How far a transfer is (onProgress). */
export interface TransferProgress {
  /** Bytes of the file transferred or already held. */
  bytes: number;
  /** The file's size. */
  total: number;
  /** Bytes per second moved by this call since it started. */
  rate: number;
}

/** What an upload or download may be given. */
export interface TransferOptions {
  /** Called as bytes move (at most a few times a second). */
  onProgress?: (progress: TransferProgress) => void;
  /** Cancels the transfer: it then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Times a dropped connection is reopened and the transfer resumed before giving up (3). */
  retries?: number;
}

/** What an upload may be given. */
export interface UploadOptions extends TransferOptions {
  /** Continue an interrupted upload (`TransferInterruptedError.uploadId`) instead of starting over. */
  resumeUploadId?: string;
}

/** How a FileTransferClient reaches the file service. */
export interface FileTransferClientOptions {
  /** A joined session: its token authorises each transfer. */
  session: Session;
  /** Pin the file service's host (by default uploads go to the room's file service and downloads to the one holding the file). */
  host?: string;
  /** Pin the file service's port (see host). */
  port?: number;
  /** How long to wait for a connection (5000 ms by default). */
  connectTimeoutMs?: number;
  /** Pause before reopening a dropped connection, times the attempt number (500 ms). */
  retryDelayMs?: number;
}

/**
 * The connection dropped and the retries ran out. What arrived is kept: an upload can be resumed
 * with `resumeUploadId: uploadId`, a download by downloading to the same path again.
 */
export class TransferInterruptedError extends Error {
  /** The interrupted upload's id, to pass as UploadOptions.resumeUploadId later (uploads only). */
  readonly uploadId: string | undefined;
  /** Bytes that had arrived when it stopped. */
  readonly bytes: number;

  constructor(message: string, bytes: number, uploadId?: string) {
    super(message);
    this.name = 'TransferInterruptedError';
    this.bytes = bytes;
    this.uploadId = uploadId;
  }
}

/** MD5 of a file (or of its first `length` bytes), read as a stream. */
export async function md5OfFile(path: string, length = Infinity): Promise<string> {
  return (await hashOfFile(path, length)).digest('hex');
}

async function hashOfFile(path: string, length: number): Promise<Hash> {
  const hash = createHash('md5');
  if (length === 0) return hash;
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
    end: length - 1,
  }) as AsyncIterable<Buffer>)
    hash.update(chunk);
  return hash;
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
  );
}

const WRITE_BATCH_BYTES = 1024 * 1024;

function cancelled(what: string): Error {
  const error = new Error(`${what} cancelled`);
  error.name = 'AbortError';
  return error;
}

/** Progress of one call: `bytes` is where the file stands, `rate` counts only what this call moved. */
class ProgressMeter {
  readonly #started = performance.now();
  readonly #onProgress: TransferOptions['onProgress'];
  readonly #total: number;
  #moved = 0;

  constructor(total: number, onProgress: TransferOptions['onProgress']) {
    this.#total = total;
    this.#onProgress = onProgress;
  }

  report(bytes: number, moved: number): void {
    this.#moved += moved;
    this.#onProgress?.({
      bytes,
      total: this.#total,
      rate: this.#moved / Math.max((performance.now() - this.#started) / 1000, 1e-3),
    });
  }
}

/**
 * Sends files to the room or to one person through the file service, and fetches files sent
 * to this participant: every byte checked by MD5, the saved file written atomically, and a
 * dropped connection resumed where it stopped.
 */
export class FileTransferClient {
  readonly #session: Session;
  readonly #target: MediaTarget;
  readonly #connectTimeoutMs: number;
  readonly #retryDelayMs: number;

  constructor(options: FileTransferClientOptions) {
    this.#session = options.session;
    this.#target = mediaTarget(options, 'files');
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
  }

  /** Where uploads go: the room's file service, unless this client was pinned to one. */
  #uploadTarget(): { host: string; port: number } {
    return 'follow' in this.#target ? this.#session.endpoint('files') : this.#target;
  }

  /** Where a file is fetched from: the service holding it, as its notice says. */
  #downloadTarget(file: string | FileNotice): { host: string; port: number } {
    if (typeof file === 'string' || !('follow' in this.#target)) return this.#uploadTarget();
    return {
      host: file.host || this.#session.server.host,
      port: file.port || DEFAULT_PORTS.files,
    };
  }

  /** Uploads a file to "all" or a username; resolves when the server has verified every byte. */
  async upload(path: string, to = 'all', options: UploadOptions = {}): Promise<FileDone> {
    const { size } = await stat(path);
    const md5 = await md5OfFile(path);
    const offer = { name: basename(path), size, md5, to, uploadId: options.resumeUploadId ?? '' };
    const meter = new ProgressMeter(size, options.onProgress);
    const position = { bytes: 0 };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#uploadOnce(path, offer, options.signal, meter, position);
      } catch (error) {
        // The service no longer holds the part (given up, or another host): send it all again.
        if (
          error instanceof SaporaError &&
          error.code === ErrorCode.NoSuchFile &&
          offer.uploadId !== ''
        ) {
          offer.uploadId = '';
          continue;
        }
        if (!(error instanceof TransferInterruptedError) || offer.uploadId === '') throw error;
        if (attempt >= (options.retries ?? 3))
          throw new TransferInterruptedError(
            `${error.message}; resume with upload id ${offer.uploadId}`,
            position.bytes,
            offer.uploadId,
          );
        await sleep(this.#retryDelayMs * (attempt + 1));
      }
    }
  }

  async #uploadOnce(
    path: string,
    offer: { name: string; size: number; md5: string; to: string; uploadId: string },
    signal: AbortSignal | undefined,
    meter: ProgressMeter,
    position: { bytes: number },
  ): Promise<FileDone> {
    const connection = await this.#open(this.#uploadTarget(), offer.uploadId !== '');
    const replies = new FrameWaiter(connection);
    const dropped = (): TransferInterruptedError =>
      new TransferInterruptedError(
        `the file service closed the connection after ${position.bytes} bytes`,
        position.bytes,
        offer.uploadId,
      );
    try {
      connection.send(MessageType.FileOffer, { sessionToken: this.#token(), ...offer });
      const accepted = await replies.next(MessageType.FileAccepted);
      if (accepted === null) throw dropped();
      offer.uploadId = accepted.uploadId;
      position.bytes = accepted.offset;
      meter.report(position.bytes, 0);
      if (accepted.offset < offer.size) {
        // Large reads, cut into frames: far fewer trips to the disk than one read per frame.
        for await (const block of createReadStream(path, {
          start: accepted.offset,
          highWaterMark: 32 * FILE_CHUNK_BYTES,
        }) as AsyncIterable<Buffer>) {
          if (signal?.aborted) throw cancelled('upload');
          let writable = true;
          for (let at = 0; at < block.length; at += FILE_CHUNK_BYTES)
            writable = connection.sendRaw(
              MessageType.FileChunk,
              block.subarray(at, at + FILE_CHUNK_BYTES),
            );
          if (!writable) await connection.drained();
          if (connection.closed) break;
          position.bytes += block.length;
          meter.report(position.bytes, block.length);
        }
      }
      const done = await replies.next(MessageType.FileDone);
      if (done === null) throw dropped();
      return done;
    } finally {
      replies.stop();
      connection.end();
    }
  }

  /**
   * Downloads a file to `savePath`: written to `savePath.part`, checked, then renamed. A part
   * left by an interrupted download of the same path is continued rather than fetched again.
   * Given its notice (the 'file' event, or `Session.files`), the file is fetched from the file
   * service that holds it; given only its id, from the room's file service.
   */
  async download(
    file: string | FileNotice,
    savePath: string,
    options: TransferOptions = {},
  ): Promise<FileMeta> {
    const fileId = typeof file === 'string' ? file : file.fileId;
    const from = this.#downloadTarget(file);
    const part = `${savePath}.part`;
    let startedOver = false;
    let meter: ProgressMeter | null = null;
    for (let attempt = 0; ;) {
      const held = await sizeOf(part);
      try {
        const { meta, md5 } = await this.#downloadOnce(from, fileId, part, held, options, (m) => {
          meter ??= new ProgressMeter(m.size, options.onProgress);
          return meter;
        });
        if (md5 === meta.md5) {
          await rename(part, savePath);
          return meta;
        }
        await rm(part, { force: true });
        // The part may have come from another file saved to the same path: try once from zero.
        if (held > 0 && !startedOver) {
          startedOver = true;
          continue;
        }
        throw new SaporaError(
          ErrorCode.ChecksumMismatch,
          `downloaded bytes have MD5 ${md5}, not ${meta.md5}`,
        );
      } catch (error) {
        if (!(error instanceof TransferInterruptedError)) {
          await rm(part, { force: true });
          throw error;
        }
        if (attempt++ >= (options.retries ?? 3))
          throw new TransferInterruptedError(
            `${error.message}; download to the same path again to resume`,
            error.bytes,
          );
        await sleep(this.#retryDelayMs * attempt);
      }
    }
  }

  /** One connection's worth of a download into `part`, from `held` bytes on. */
  async #downloadOnce(
    from: { host: string; port: number },
    fileId: string,
    part: string,
    held: number,
    options: TransferOptions,
    meterFor: (meta: FileMeta) => ProgressMeter,
  ): Promise<{ meta: FileMeta; md5: string }> {
    const hash = await hashOfFile(part, held);
    const connection = await this.#open(from, held > 0);
    const handle = await open(part, held > 0 ? 'r+' : 'w');
    let pending = Promise.resolve();
    try {
      const meta = await new Promise<FileMeta>((resolve, reject) => {
        let info: FileMeta | null = null;
        let meter: ProgressMeter | null = null;
        let received = held;
        // Chunks go to disk a megabyte at a time: one write per 32 KiB frame costs more than
        // the network does.
        let batch: Buffer[] = [];
        let batchBytes = 0;
        let batchStart = held;
        const flush = (progress: ProgressMeter, last: boolean): void => {
          const chunks = batch;
          const start = batchStart;
          const bytes = batchBytes;
          batch = [];
          batchStart += bytes;
          batchBytes = 0;
          pending = pending.then(async () => {
            await handle.writev(chunks, start);
            progress.report(start + bytes, bytes);
            if (last) finish();
          });
          pending.catch((error: Error) => finish(error));
        };
        const finish = (error?: Error): void => {
          connection.off('frame', onFrame);
          connection.off('close', onClose);
          options.signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else if (info) resolve(info);
        };
        const onAbort = (): void => {
          connection.destroy();
          finish(cancelled('download'));
        };
        const onClose = (): void =>
          finish(
            new TransferInterruptedError(
              `the file service closed the connection after ${received} bytes`,
              received,
            ),
          );
        const onFrame = (frame: ControlFrame): void => {
          if (frame.type === MessageType.Error) {
            finish(new SaporaError(frame.payload.code, frame.payload.message, frame.payload.fatal));
          } else if (frame.type === MessageType.FileMeta) {
            info = frame.payload;
            meter = meterFor(info);
            if (info.offset !== held) {
              finish(
                new SaporaError(
                  ErrorCode.InvalidRequest,
                  `${part} holds ${held} bytes, more than the file's ${info.size}`,
                ),
              );
            } else {
              meter.report(held, 0);
              if (held === info.size) finish();
            }
          } else if (frame.type === MessageType.FileChunk && info !== null && meter !== null) {
            const chunk = frame.payload;
            received += chunk.length;
            hash.update(chunk);
            batch.push(chunk);
            batchBytes += chunk.length;
            const last = received === info.size;
            if (last || batchBytes >= WRITE_BATCH_BYTES) flush(meter, last);
          }
        };
        connection.on('frame', onFrame);
        connection.on('close', onClose);
        options.signal?.addEventListener('abort', onAbort);
        connection.send(MessageType.FileFetch, {
          sessionToken: this.#token(),
          fileId,
          offset: held,
        });
      });
      return { meta, md5: hash.digest('hex') };
    } finally {
      await pending.catch(() => undefined);
      await handle.close();
      connection.end();
    }
  }

  #token(): Buffer {
    const token = this.#session.sessionToken;
    if (token === undefined)
      throw new SaporaError(
        ErrorCode.NotJoined,
        'join a meeting before sending or receiving files',
      );
    return token;
  }

  /**
   * Opens a connection; when resuming, a service that cannot be reached counts as a drop, and
   * otherwise it is said plainly: the file (or the room's file service) is unavailable.
   */
  async #open(to: { host: string; port: number }, resuming: boolean): Promise<ControlConnection> {
    try {
      return await ControlConnection.open(
        to.host,
        to.port,
        this.#connectTimeoutMs,
        FILES_TO_CLIENT_LIMITS,
        this.#session.trust,
      );
    } catch (error) {
      if (resuming) throw new TransferInterruptedError((error as Error).message, 0);
      throw new SaporaError(
        ErrorCode.Unavailable,
        `file unavailable: the file service at ${to.host}:${to.port} cannot be reached (${(error as Error).message})`,
      );
    }
  }
}
