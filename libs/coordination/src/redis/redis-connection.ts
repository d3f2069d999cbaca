import Redis, { RedisOptions } from 'ioredis';

export { Redis };

/**
 * A Redis connection for a service. Ordinary connections fail a command after a few retries
 * while Redis is away, so the caller answers "try again" instead of hanging; `forBullMq`
 * connections never give up on a command (BullMQ's blocking reads need that). Both reconnect
 * for as long as the service runs.
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
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  };
  return new Redis(url, redisOptions);
}

/**
 * Whether an error means Redis cannot be reached right now (down, restarting, unreachable),
 * as opposed to a bad command: the caller answers "try again shortly", not "internal error".
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error.message === 'Connection is closed.' ||
    error.message.startsWith("Stream isn't writeable")
  );
}
