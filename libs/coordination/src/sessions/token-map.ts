import { SESSION_TOKEN_BYTES } from '@sapora/protocol';

interface Entry<V> {
  token: Buffer;
  value: V;
}

/**
 * Values keyed by 16-byte session tokens, found straight from a received datagram's bytes: the
 * first four bytes pick a bucket (tokens are random, so buckets hold one entry) and the rest is
 * compared in place. Unlike a Map keyed by the token's hex, a lookup builds no string, which
 * matters at one lookup per media packet.
 */
export class TokenMap<V> {
  readonly #buckets = new Map<number, Entry<V>[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The value for the token at `bytes[offset..offset+16]`. */
  get(bytes: Buffer, offset = 0): V | undefined {
    const bucket = this.#buckets.get(bytes.readUInt32BE(offset));
    if (bucket === undefined) return undefined;
    for (const entry of bucket)
      if (entry.token.compare(bytes, offset, offset + SESSION_TOKEN_BYTES) === 0)
        return entry.value;
    return undefined;
  }

  set(token: Buffer, value: V): void {
    if (token.length !== SESSION_TOKEN_BYTES)
      throw new RangeError(`a session token is ${SESSION_TOKEN_BYTES} bytes, not ${token.length}`);
    const key = token.readUInt32BE(0);
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#buckets.set(key, [{ token: Buffer.from(token), value }]);
      this.#size++;
      return;
    }
    const entry = bucket.find((e) => e.token.equals(token));
    if (entry !== undefined) entry.value = value;
    else {
      bucket.push({ token: Buffer.from(token), value });
      this.#size++;
    }
  }

  /** Every token (a copy the map owns) with its value. */
  *entries(): Generator<[Buffer, V]> {
    for (const bucket of this.#buckets.values())
      for (const entry of bucket) yield [entry.token, entry.value];
  }

  delete(token: Buffer): V | undefined {
    const key = token.readUInt32BE(0);
    const bucket = this.#buckets.get(key);
    const index = bucket?.findIndex((e) => e.token.equals(token)) ?? -1;
    if (bucket === undefined || index < 0) return undefined;
    const [entry] = bucket.splice(index, 1);
    if (bucket.length === 0) this.#buckets.delete(key);
    this.#size--;
    return entry.value;
  }
}
