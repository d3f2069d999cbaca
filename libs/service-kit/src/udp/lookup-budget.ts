import { TokenBucket } from '../limits/token-bucket';

/** Sources remembered at once; past this the table starts afresh rather than grow. */
const MAX_SOURCES = 10_000;

/**
 * How many datagrams with a token the service does not know may cost a Redis lookup: a few per
 * source (address and port) and a bounded number in all, so a flood of random tokens costs a
 * handful of reads per second, however it is spread.
 */
export class LookupBudget {
  readonly #perSourcePerSecond: number;
  readonly #total: TokenBucket;
  readonly #sources = new Map<string, TokenBucket>();

  constructor(perSourcePerSecond: number, totalPerSecond: number) {
    this.#perSourcePerSecond = perSourcePerSecond;
    this.#total = new TokenBucket(totalPerSecond, totalPerSecond);
  }

  /** Takes one lookup for this source if both its budget and the total allow. */
  allows(address: string, port: number, nowMs = Date.now()): boolean {
    const source = `${address}:${port}`;
    let bucket = this.#sources.get(source);
    if (bucket === undefined) {
      if (this.#sources.size >= MAX_SOURCES) this.#sources.clear();
      bucket = new TokenBucket(this.#perSourcePerSecond, this.#perSourcePerSecond, nowMs);
      this.#sources.set(source, bucket);
    }
    return bucket.take(nowMs) && this.#total.take(nowMs);
  }
}
