import { performance } from 'node:perf_hooks';

export interface MixTick {
  /** Ticks since start: tick n is due at start + n × period. */
  index: number;
  /** How late this tick ran after its deadline, ms. */
  latenessMs: number;
}

/**
 * A periodic tick without drift: each deadline is start + n × period on the monotonic clock,
 * and the timer is armed for the next deadline, never chained from the last callback, so
 * timer lateness does not accumulate. A tick that runs more than a period late still runs
 * (the mix must keep pace with the senders) and is counted as missed; after `maxCatchUp`
 * missed in a row the clock skips ahead instead of bursting.
 */
export class MixClock {
  readonly #periodMs: number;
  readonly #onTick: (tick: MixTick) => void;
  readonly #maxCatchUp: number;
  #startedAt = 0;
  #index = 0;
  #timer: NodeJS.Timeout | null = null;
  #missed = 0;
  #skipped = 0;

  constructor(periodMs: number, onTick: (tick: MixTick) => void, maxCatchUp = 4) {
    this.#periodMs = periodMs;
    this.#onTick = onTick;
    this.#maxCatchUp = maxCatchUp;
  }

  get periodMs(): number {
    return this.#periodMs;
  }
  /** Ticks that ran more than one period after their deadline. */
  get missed(): number {
    return this.#missed;
  }
  /** Ticks skipped because the clock fell too far behind. */
  get skipped(): number {
    return this.#skipped;
  }
  get ticks(): number {
    return this.#index;
  }
  get running(): boolean {
    return this.#timer !== null;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#startedAt = performance.now();
    this.#index = 0;
    this.#arm();
  }

  /** Stops ticking; safe to call twice. */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(): void {
    const deadline = this.#startedAt + (this.#index + 1) * this.#periodMs;
    this.#timer = setTimeout(() => this.#run(), Math.max(0, deadline - performance.now()));
  }

  #run(): void {
    let caughtUp = 0;
    for (;;) {
      const deadline = this.#startedAt + (this.#index + 1) * this.#periodMs;
      const lateness = performance.now() - deadline;
      if (lateness < 0) break;
      if (lateness > this.#periodMs) {
        this.#missed++;
        if (++caughtUp > this.#maxCatchUp) {
          const behind = Math.floor(lateness / this.#periodMs);
          this.#index += behind;
          this.#skipped += behind;
          continue;
        }
      }
      this.#index++;
      this.#onTick({ index: this.#index, latenessMs: lateness });
      if (this.#timer === null) return;
    }
    this.#arm();
  }
}
