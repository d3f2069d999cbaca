import Redis, { RedisOptions } from 'ioredis';

export { Redis };

/**
 * A Redis connection for a service. `forBullMq` connections never give up on a command
 * (BullMQ's blocking reads need that); ordinary ones fail a command after a few retries so
 * a caller gets an error instead of hanging while Redis is away.
 */
export function createRedis(
  url: string,
  options: { name: string; forBullMq?: boolean } = { name: 'sapora' },
): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    lazyConnect: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: options.forBullMq ? null : 3,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
  return new Redis(url, redisOptions);
}
