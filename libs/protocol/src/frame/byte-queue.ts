/**
 * Bytes received in chunks, taken out in pieces of any size. Chunks are kept as they came and
 * copied once, when a piece spans several of them; a piece inside one chunk is a view of it.
 */
export class ByteQueue {
  #chunks: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** Removes and returns exactly n bytes; n must not exceed length. */
  take(n: number): Buffer {
    if (n > this.#length) throw new RangeError(`cannot take ${n} bytes from ${this.#length}`);
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[0];
    if (first.length >= n) {
      this.#length -= n;
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const chunk = this.#chunks[0];
      const wanted = n - copied;
      if (chunk.length <= wanted) {
        chunk.copy(out, copied);
        copied += chunk.length;
        this.#chunks.shift();
      } else {
        chunk.copy(out, copied, 0, wanted);
        this.#chunks[0] = chunk.subarray(wanted);
        copied += wanted;
      }
    }
    this.#length -= n;
    return out;
  }

  /** Drops whole chunks from the front while more than `max` bytes are queued (keeps the newest). */
  trimTo(max: number): void {
    while (this.#length > max && this.#chunks.length > 1)
      this.#length -= this.#chunks.shift()?.length ?? 0;
  }

  clear(): void {
    this.#chunks = [];
    this.#length = 0;
  }
}
