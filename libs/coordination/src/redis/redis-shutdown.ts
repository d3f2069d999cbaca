import { OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * Quits a service's Redis connection in Nest's last shutdown phase, after every provider that
 * used it has stopped (those stop in beforeApplicationShutdown).
 */
export class RedisShutdown implements OnApplicationShutdown {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#redis.quit();
  }
}
