import { Provider } from '@nestjs/common';
import { createRedis, Redis } from '../redis/redis-connection';
import { RedisLink } from '../redis/redis-link';
import { RedisShutdown } from '../redis/redis-shutdown';
import { RoomStore } from '../rooms/room-store';
import { LiveSessionCache } from '../sessions/live-session-cache';

/** Nest token of a service's Redis connection for commands (fails fast while Redis is away). */
export const REDIS = Symbol('REDIS');
/** Nest token of the connection BullMQ queues and workers share (waits for Redis to return). */
export const BULLMQ_REDIS = Symbol('BULLMQ_REDIS');

/**
 * A service's Redis connections, each quit in Nest's last shutdown phase, and the RedisLink
 * that tells providers when the connection comes back after an outage.
 */
export function redisProviders(
  url: string,
  name: string,
  options: { bullMq?: boolean } = {},
): Provider[] {
  const providers: Provider[] = [
    { provide: REDIS, useFactory: () => createRedis(url, { name }) },
    { provide: RedisLink, inject: [REDIS], useFactory: (redis: Redis) => new RedisLink(redis) },
  ];
  const tokens: symbol[] = [REDIS];
  if (options.bullMq) {
    providers.push({
      provide: BULLMQ_REDIS,
      useFactory: () => createRedis(url, { name: `${name}-jobs`, forBullMq: true }),
    });
    tokens.push(BULLMQ_REDIS);
  }
  providers.push({
    provide: RedisShutdown,
    inject: tokens,
    useFactory: (...connections: Redis[]) => new RedisShutdown(connections),
  });
  return providers;
}

/** The live-token cache a media service checks every datagram against. */
export function liveSessionCacheProvider(unknownTokenTtlMs: number): Provider {
  return {
    provide: LiveSessionCache,
    inject: [REDIS],
    // Only session reads are used here; the idle timeout is control's business.
    useFactory: (redis: Redis) => new LiveSessionCache(new RoomStore(redis, 1), unknownTokenTtlMs),
  };
}
