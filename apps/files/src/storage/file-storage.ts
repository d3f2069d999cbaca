import { createHash, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The storage directory. Every path is built from a server-made UUID, never from anything the
 * wire sent, so nothing can be written outside it. An upload lives in `<id>.part` until its
 * digest checks out, then is renamed to `<id>`; a failed or abandoned one is deleted.
 */
export class FileStorage {
  readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
    mkdirSync(this.root, { recursive: true });
  }

  pathOf(fileId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(fileId)) throw new Error(`not a file id: ${fileId}`);
    return join(this.root, fileId);
  }

  begin(): Upload {
    return new Upload(this, randomUUID());
  }

  delete(fileId: string): void {
    rmSync(this.pathOf(fileId), { force: true });
    rmSync(`${this.pathOf(fileId)}.part`, { force: true });
  }
}

/** One upload in progress: bytes appended in order with the MD5 kept as they stream. */
export class Upload {
  readonly fileId: string;
  readonly #storage: FileStorage;
  readonly #fd: number;
  readonly #hash = createHash('md5');
  #received = 0;
  #open = true;

  constructor(storage: FileStorage, fileId: string) {
    this.#storage = storage;
    this.fileId = fileId;
    this.#fd = openSync(`${storage.pathOf(fileId)}.part`, 'w');
  }

  get received(): number {
    return this.#received;
  }

  append(bytes: Buffer): void {
    writeSync(this.#fd, bytes, 0, bytes.length, this.#received);
    this.#hash.update(bytes);
    this.#received += bytes.length;
  }

  /** Keeps the file if its digest matches; otherwise deletes it. Returns the digest either way. */
  finish(expectedMd5: string): { ok: boolean; md5: string } {
    this.#close();
    const md5 = this.#hash.digest('hex');
    const path = this.#storage.pathOf(this.fileId);
    if (md5 !== expectedMd5) {
      rmSync(`${path}.part`, { force: true });
      return { ok: false, md5 };
    }
    renameSync(`${path}.part`, path);
    return { ok: true, md5 };
  }

  /** Drops what was received; safe to call twice. */
  abandon(): void {
    this.#close();
    rmSync(`${this.#storage.pathOf(this.fileId)}.part`, { force: true });
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    closeSync(this.#fd);
  }
}
