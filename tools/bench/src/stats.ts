/** Percentile of already sorted values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Collects samples and summarises them. */
export class Samples {
  #values: number[] = [];

  add(value: number): void {
    this.#values.push(value);
  }

  get count(): number {
    return this.#values.length;
  }

  reset(): void {
    this.#values = [];
  }

  summary(): { count: number; p50: number; p99: number; max: number; mean: number } {
    const sorted = Float64Array.from(this.#values).sort();
    const sum = sorted.reduce((total, value) => total + value, 0);
    return {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
      mean: sorted.length > 0 ? sum / sorted.length : NaN,
    };
  }
}

/** A headline figure, printed as `name: value unit`. */
export function figure(name: string, value: number, unit: string, digits = 2): string {
  return `${name}: ${value.toFixed(digits)} ${unit}`;
}
