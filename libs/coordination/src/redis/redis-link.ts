import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';

/**
 * Watches a service's Redis connection. ioredis reconnects by itself and re-subscribes, but what
 * a service built from Redis (caches, job schedules) may be stale or gone after an outage: a
 * Redis restarted empty has lost every key. Services rebuild it in `onReconnect` tasks.
 */
export class RedisLink {
  readonly #redis: Redis;
  readonly #events = new EventEmitter<{ reconnected: [] }>();
  #wasReady = false;
  #lost = false;

  constructor(redis: Redis) {
    this.#redis = redis;
    redis.on('ready', () => {
      if (this.#wasReady && this.#lost) this.#events.emit('reconnected');
      this.#wasReady = true;
      this.#lost = false;
    });
    redis.on('close', () => {
      if (this.#wasReady) this.#lost = true;
    });
  }

  /** Connected and answering commands. */
  get ready(): boolean {
    return this.#redis.status === 'ready';
  }

  get status(): string {
    return this.#redis.status;
  }

  /** Runs `task` each time the connection comes back after it was lost; errors go to `onError`. */
  onReconnect(task: () => Promise<void>, onError: (error: unknown) => void): void {
    this.#events.on('reconnected', () => {
      task().catch(onError);
    });
  }
}
