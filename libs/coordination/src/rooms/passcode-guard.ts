import { Redis } from 'ioredis';
import { RedisKeys } from '../keys/redis-keys';

/**
 * Wrong passcodes per room and address, counted in Redis so that every control instance sees
 * the same count and a guesser gains nothing by reconnecting or switching instance.
 */
export class PasscodeGuard {
  readonly #redis: Redis;
  readonly #windowMs: number;

  constructor(redis: Redis, windowMs: number) {
    this.#redis = redis;
    this.#windowMs = windowMs;
  }

  /** Wrong passcodes from this address for this room within the window. */
  async misses(meetingId: string, address: string): Promise<number> {
    return Number((await this.#redis.get(RedisKeys.passcodeMisses(meetingId, address))) ?? 0);
  }

  /** Counts one more wrong passcode; returns the count, and how long until the window ends. */
  async miss(meetingId: string, address: string): Promise<{ count: number; resetsInMs: number }> {
    const key = RedisKeys.passcodeMisses(meetingId, address);
    const [[, count], , [, ttl]] = (await this.#redis
      .multi()
      .incr(key)
      .pexpire(key, this.#windowMs, 'NX')
      .pttl(key)
      .exec()) as [[null, number], [null, number], [null, number]];
    return { count, resetsInMs: Math.max(ttl, 0) };
  }

  /** How long until this address may try again, in ms (0 once the window has passed). */
  async retryInMs(meetingId: string, address: string): Promise<number> {
    return Math.max(await this.#redis.pttl(RedisKeys.passcodeMisses(meetingId, address)), 0);
  }

  /** Someone from this address knew the passcode: they were not guessing. */
  async clear(meetingId: string, address: string): Promise<void> {
    await this.#redis.del(RedisKeys.passcodeMisses(meetingId, address));
  }
}
