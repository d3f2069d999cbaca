import { OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * Quits a service's Redis connections in Nest's last shutdown phase, after every provider that
 * used them has stopped (those stop in earlier phases).
 */
export class RedisShutdown implements OnApplicationShutdown {
  readonly #connections: Redis[];

  constructor(connections: Redis[]) {
    this.#connections = connections;
  }

  async onApplicationShutdown(): Promise<void> {
    // A connection that is down has nothing to flush: disconnect it rather than wait on QUIT.
    await Promise.all(
      this.#connections.map(async (redis) => {
        if (redis.status === 'end') return;
        if (redis.status !== 'ready') redis.disconnect();
        else await redis.quit().catch(() => redis.disconnect());
      }),
    );
  }
}
