import { Provider } from '@nestjs/common';
import { createRedis, Redis } from '../redis/redis-connection';
import { RedisShutdown } from '../redis/redis-shutdown';
import { RoomStore } from '../rooms/room-store';
import { LiveSessionCache } from '../sessions/live-session-cache';

/** Nest token of a service's shared Redis connection. */
export const REDIS = Symbol('REDIS');

/** A service's Redis connection, quit in Nest's last shutdown phase. */
export function redisProviders(
  url: string,
  name: string,
  options: { forBullMq?: boolean } = {},
): Provider[] {
  return [
    { provide: REDIS, useFactory: () => createRedis(url, { name, forBullMq: options.forBullMq }) },
    {
      provide: RedisShutdown,
      inject: [REDIS],
      useFactory: (redis: Redis) => new RedisShutdown(redis),
    },
  ];
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
