import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_PORTS,
  ErrorCode,
  FILE_CHUNK_BYTES,
  FileDone,
  FileMeta,
  FILES_TO_CLIENT_LIMITS,
  MessageType,
} from '@sapora/protocol';
import { ControlConnection, ControlFrame } from '../control/control-connection';
import { SaporaError } from '../sapora-error';
import { Session } from '../session';

export interface TransferProgress {
  bytes: number;
  total: number;
  /** Bytes per second since the transfer started. */
  rate: number;
}

export interface TransferOptions {
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
}

export interface FileTransferClientOptions {
  session: Session;
  host?: string;
  port?: number;
  connectTimeoutMs?: number;
}

/** MD5 of a file, read as a stream. */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>)
    hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Sends files to the room or to one person through the file service, and fetches files sent
 * to this participant: every byte checked by MD5, the saved file written atomically.
 */
export class FileTransferClient {
  readonly #session: Session;
  readonly #host: string;
  readonly #port: number;
  readonly #connectTimeoutMs: number;

  constructor(options: FileTransferClientOptions) {
    this.#session = options.session;
    this.#host = options.host ?? options.session.server.host;
    this.#port = options.port ?? DEFAULT_PORTS.files;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  }

  /** Uploads a file to "all" or a username; resolves when the server has verified every byte. */
  async upload(path: string, to = 'all', options: TransferOptions = {}): Promise<FileDone> {
    const { size } = await stat(path);
    const md5 = await md5OfFile(path);
    const connection = await this.#open();
    const replies = new FrameWaiter(connection);
    try {
      connection.send(MessageType.FileOffer, {
        sessionToken: this.#token(),
        name: basename(path),
        size,
        md5,
        to,
      });
      const accepted = await replies.next(MessageType.FileAccepted);
      if (accepted === null) throw new Error('the file service closed the connection');
      const started = performance.now();
      let sent = 0;
      for await (const chunk of createReadStream(path, {
        highWaterMark: FILE_CHUNK_BYTES,
      }) as AsyncIterable<Buffer>) {
        if (options.signal?.aborted) throw new Error('upload cancelled');
        if (!connection.sendRaw(MessageType.FileChunk, chunk)) await connection.drained();
        sent += chunk.length;
        options.onProgress?.({
          bytes: sent,
          total: size,
          rate: sent / Math.max((performance.now() - started) / 1000, 1e-3),
        });
      }
      const done = await replies.next(MessageType.FileDone);
      if (done === null)
        throw new Error('the file service closed the connection before confirming');
      return done;
    } finally {
      replies.stop();
      connection.end();
    }
  }

  /** Downloads a file to `savePath`: written to `savePath.part`, checked, then renamed. */
  async download(
    fileId: string,
    savePath: string,
    options: TransferOptions = {},
  ): Promise<FileMeta> {
    const connection = await this.#open();
    const part = `${savePath}.part`;
    const handle = await open(part, 'w');
    const hash = createHash('md5');
    let ok = false;
    try {
      const meta = await new Promise<FileMeta>((resolve, reject) => {
        let info: FileMeta | null = null;
        let received = 0;
        let pending = Promise.resolve();
        const started = performance.now();
        const finish = (error?: Error): void => {
          connection.off('frame', onFrame);
          connection.off('close', onClose);
          options.signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else if (info) resolve(info);
        };
        const onAbort = (): void => {
          connection.destroy();
          finish(new Error('download cancelled'));
        };
        const onClose = (): void => finish(new Error(`connection closed after ${received} bytes`));
        const onFrame = (frame: ControlFrame): void => {
          if (frame.type === MessageType.Error) {
            finish(new SaporaError(frame.payload.code, frame.payload.message, frame.payload.fatal));
          } else if (frame.type === MessageType.FileMeta) {
            info = frame.payload;
            if (info.size === 0) finish();
          } else if (frame.type === MessageType.FileChunk && info !== null) {
            const chunk = frame.payload;
            const position = received;
            received += chunk.length;
            hash.update(chunk);
            const meta = info;
            pending = pending.then(async () => {
              await handle.write(chunk, 0, chunk.length, position);
              options.onProgress?.({
                bytes: received,
                total: meta.size,
                rate: received / Math.max((performance.now() - started) / 1000, 1e-3),
              });
              if (position + chunk.length === meta.size) finish();
            });
            pending.catch((error: Error) => finish(error));
          }
        };
        connection.on('frame', onFrame);
        connection.on('close', onClose);
        options.signal?.addEventListener('abort', onAbort);
        connection.send(MessageType.FileFetch, { sessionToken: this.#token(), fileId, offset: 0 });
      });
      const md5 = hash.digest('hex');
      if (md5 !== meta.md5)
        throw new SaporaError(
          ErrorCode.ChecksumMismatch,
          `downloaded bytes have MD5 ${md5}, not ${meta.md5}`,
        );
      await handle.close();
      await rename(part, savePath);
      ok = true;
      return meta;
    } finally {
      if (!ok) {
        await handle.close().catch(() => undefined);
        await rm(part, { force: true });
      }
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

  #open(): Promise<ControlConnection> {
    return ControlConnection.open(
      this.#host,
      this.#port,
      this.#connectTimeoutMs,
      FILES_TO_CLIENT_LIMITS,
    );
  }
}

/** Waits for the next answer of a given type; an ERROR frame rejects, a closed connection gives null. */
class FrameWaiter {
  readonly #connection: ControlConnection;
  readonly #frames: ControlFrame[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  readonly #onFrame = (frame: ControlFrame): void => {
    this.#frames.push(frame);
    this.#wake?.();
  };
  readonly #onClose = (): void => {
    this.#closed = true;
    this.#wake?.();
  };

  constructor(connection: ControlConnection) {
    this.#connection = connection;
    connection.on('frame', this.#onFrame);
    connection.on('close', this.#onClose);
  }

  async next<T extends MessageType.FileAccepted | MessageType.FileDone>(
    type: T,
  ): Promise<
    (T extends MessageType.FileAccepted ? { uploadId: string; offset: number } : FileDone) | null
  > {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame !== undefined) {
        if (frame.type === MessageType.Error)
          throw new SaporaError(frame.payload.code, frame.payload.message, frame.payload.fatal);
        if (frame.type === type) return frame.payload as never;
        continue;
      }
      if (this.#closed) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }

  stop(): void {
    this.#connection.off('frame', this.#onFrame);
    this.#connection.off('close', this.#onClose);
  }
}
