/**
 * The last N measurements (a fixed ring, no allocation per sample), summarised on demand:
 * for figures a service logs every few seconds from its hot path.
 */
export class LatencyWindow {
  readonly #values: Float64Array;
  #count = 0;
  #next = 0;

  constructor(size = 8192) {
    this.#values = new Float64Array(size);
  }

  add(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** p-th percentile (nearest rank) of what the window holds; NaN when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return NaN;
    const sorted = this.#values.slice(0, this.#count).sort();
    return sorted[Math.min(this.#count - 1, Math.max(0, Math.ceil((p / 100) * this.#count) - 1))];
  }

  reset(): void {
    this.#count = 0;
    this.#next = 0;
  }
}
