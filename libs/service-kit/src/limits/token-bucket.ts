/** Rate limit: up to `burst` at once, refilled at `ratePerSecond`. Time is passed in for tests. */
export class TokenBucket {
  readonly #burst: number;
  readonly #ratePerMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(burst: number, ratePerSecond: number, nowMs: number = Date.now()) {
    this.#burst = burst;
    this.#ratePerMs = ratePerSecond / 1000;
    this.#tokens = burst;
    this.#updatedAt = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs: number = Date.now()): boolean {
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + (nowMs - this.#updatedAt) * this.#ratePerMs,
    );
    this.#updatedAt = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  waitMs(): number {
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#ratePerMs);
  }
}
