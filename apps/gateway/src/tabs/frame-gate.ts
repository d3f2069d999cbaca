/**
 * Newest-frame-wins for one slow receiver: while more than `limitBytes` sent to it is still
 * unwritten, a new frame is held instead of queued, and a newer one from the same stream (its
 * `key`: the screen share, or one camera) replaces it. When the backlog falls to the limit the
 * held frames (the newest of each stream) go out one by one. So a tab on a slow link sees fewer
 * frames, never stale ones, and the gateway's memory per tab stays bounded.
 */
export class FrameGate<F> {
  readonly #limitBytes: number;
  #pendingBytes = 0;
  readonly #held = new Map<string, F>();
  #skipped = 0;

  constructor(limitBytes: number) {
    this.#limitBytes = limitBytes;
  }

  /** Bytes handed to the socket and not yet written. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Frames replaced by a newer one before they could be sent. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Anything sent to this receiver (frames or not) that now waits to be written. */
  sending(bytes: number): void {
    this.#pendingBytes += bytes;
  }

  /** A new frame of stream `key`: returns it if it may go now (then call sending()), else holds it. */
  offer(frame: F, key = ''): F | null {
    if (this.#pendingBytes <= this.#limitBytes && this.#held.size === 0) return frame;
    if (this.#held.has(key)) this.#skipped++;
    this.#held.set(key, frame);
    return null;
  }

  /**
   * Bytes were written; returns a held frame if one may go now (then call sending()). One per
   * call: sending it leads to another call when it is written, which releases the next.
   */
  written(bytes: number): F | null {
    this.#pendingBytes = Math.max(0, this.#pendingBytes - bytes);
    if (this.#held.size === 0 || this.#pendingBytes > this.#limitBytes) return null;
    for (const [key, frame] of this.#held) {
      this.#held.delete(key);
      return frame;
    }
    return null;
  }

  /** Whether the backlog is at or under the limit (a bulk sender may send more). */
  get open(): boolean {
    return this.#pendingBytes <= this.#limitBytes;
  }

  /** Drops the held frames (the receiver is gone), or one stream's (it stopped). */
  clear(key?: string): void {
    if (key === undefined) this.#held.clear();
    else this.#held.delete(key);
  }
}
