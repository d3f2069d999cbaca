/** Where a viewer's frames go: a connection, seen only as how much it has yet to send. */
export interface FrameSink {
  readonly pendingBytes: number;
  writeEncoded(frame: Buffer): void;
}

/**
 * Newest frame wins, per viewer. A frame goes out at once while the viewer's connection has
 * less than `maxPendingBytes` waiting; otherwise it is held, replacing (dropping) any older
 * held frame, until the connection drains. So a slow viewer skips frames, never delays the
 * presenter or anyone else, and holds at most its socket buffer plus one frame.
 */
export class NewestFrameSender {
  readonly #sink: FrameSink;
  readonly #maxPendingBytes: number;
  #held: Buffer | null = null;
  #sent = 0;
  #dropped = 0;

  constructor(sink: FrameSink, maxPendingBytes: number) {
    this.#sink = sink;
    this.#maxPendingBytes = maxPendingBytes;
  }

  get sent(): number {
    return this.#sent;
  }

  get dropped(): number {
    return this.#dropped;
  }

  offer(frame: Buffer): void {
    if (this.#held !== null) {
      this.#held = null;
      this.#dropped++;
    }
    if (this.#sink.pendingBytes <= this.#maxPendingBytes) this.#write(frame);
    else this.#held = frame;
  }

  /** The connection has sent what it had: the held frame, if any, goes now. */
  drained(): void {
    const held = this.#held;
    if (held === null || this.#sink.pendingBytes > this.#maxPendingBytes) return;
    this.#held = null;
    this.#write(held);
  }

  #write(frame: Buffer): void {
    this.#sink.writeEncoded(frame);
    this.#sent++;
  }
}
