import { createHash, Hash, randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

const ID = /^[0-9a-f-]{36}$/;
const ENTRY = /^([0-9a-f-]{36})(\.part)?$/;

/** A file or an upload's part in the storage directory, and how long since it was written. */
export interface StoredEntry {
  id: string;
  part: boolean;
  ageMs: number;
}

/**
 * The storage directory. Every path is built from a server-made UUID, never from anything the
 * wire sent, so nothing can be written outside it. An upload lives in `<id>.part` until its
 * digest checks out, then is renamed to `<id>`; a failed one is deleted at once, an interrupted
 * one is kept for a while so that it can be resumed.
 */
export class FileStorage {
  readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
    mkdirSync(this.root, { recursive: true });
  }

  static isId(id: string): boolean {
    return ID.test(id);
  }

  pathOf(fileId: string): string {
    if (!FileStorage.isId(fileId)) throw new Error(`not a file id: ${fileId}`);
    return join(this.root, fileId);
  }

  partPathOf(uploadId: string): string {
    return `${this.pathOf(uploadId)}.part`;
  }

  begin(): Upload {
    return new Upload(this, randomUUID(), 0, createHash('md5'));
  }

  /**
   * Continues an interrupted upload from the bytes it holds: they are hashed again from disk,
   * since a running MD5 cannot be saved. Null when nothing of it is left.
   */
  async resume(uploadId: string): Promise<Upload | null> {
    const path = this.partPathOf(uploadId);
    const hash = createHash('md5');
    let held = 0;
    try {
      for await (const chunk of createReadStream(path, {
        highWaterMark: 1024 * 1024,
      }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        held += chunk.length;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return new Upload(this, uploadId, held, hash);
  }

  /** Milliseconds since an upload's part was last written, or null when there is none. */
  partIdleMs(uploadId: string): number | null {
    try {
      return Date.now() - statSync(this.partPathOf(uploadId)).mtimeMs;
    } catch {
      return null;
    }
  }

  /** Whether a complete file with this id is stored here. */
  holds(fileId: string): boolean {
    try {
      return statSync(this.pathOf(fileId)).isFile();
    } catch {
      return false;
    }
  }

  /** Everything stored, complete files and parts alike (names that are not ids are ignored). */
  *entries(): Generator<StoredEntry> {
    const now = Date.now();
    for (const name of readdirSync(this.root)) {
      const match = ENTRY.exec(name);
      if (match === null) continue;
      try {
        const ageMs = now - statSync(join(this.root, name)).mtimeMs;
        yield { id: match[1], part: match[2] !== undefined, ageMs };
      } catch {
        // Deleted between the listing and the stat: nothing to account for.
      }
    }
  }

  deletePart(uploadId: string): void {
    rmSync(this.partPathOf(uploadId), { force: true });
  }

  delete(fileId: string): void {
    rmSync(this.pathOf(fileId), { force: true });
    this.deletePart(fileId);
  }
}

/** One upload in progress: bytes appended in order with the MD5 kept as they stream. */
export class Upload {
  readonly fileId: string;
  readonly #storage: FileStorage;
  readonly #fd: number;
  readonly #hash: Hash;
  #received: number;
  #open = true;

  constructor(storage: FileStorage, fileId: string, held: number, hash: Hash) {
    this.#storage = storage;
    this.fileId = fileId;
    this.#received = held;
    this.#hash = hash;
    this.#fd = openSync(storage.partPathOf(fileId), held === 0 ? 'w' : 'r+');
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
    if (md5 !== expectedMd5) {
      this.#storage.deletePart(this.fileId);
      return { ok: false, md5 };
    }
    renameSync(this.#storage.partPathOf(this.fileId), this.#storage.pathOf(this.fileId));
    return { ok: true, md5 };
  }

  /** Keeps what was received so that the upload can be resumed; safe to call twice. */
  suspend(): void {
    this.#close();
  }

  /** Drops what was received; safe to call twice. */
  abandon(): void {
    this.#close();
    this.#storage.deletePart(this.fileId);
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    closeSync(this.#fd);
  }
}
