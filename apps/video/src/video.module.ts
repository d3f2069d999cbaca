import { DynamicModule, Module } from '@nestjs/common';
import {
  createRedis,
  LiveSessionCache,
  Redis,
  RedisShutdown,
  RoomStore,
} from '@sapora/coordination';
import { Logger } from '@sapora/service-kit';
import { VideoConfig } from './config/video-config';
import { MembershipController } from './membership/membership.controller';
import { VideoRelay } from './server/video-relay';
import { LOGGER, REDIS } from './video-tokens';

@Module({})
export class VideoModule {
  static register(config: VideoConfig, logger: Logger): DynamicModule {
    return {
      module: VideoModule,
      controllers: [MembershipController],
      providers: [
        { provide: VideoConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        {
          provide: REDIS,
          useFactory: () => createRedis(config.REDIS_URL, { name: 'sapora-video' }),
        },
        {
          provide: LiveSessionCache,
          inject: [REDIS],
          useFactory: (redis: Redis) =>
            new LiveSessionCache(new RoomStore(redis, 1), config.UNKNOWN_TOKEN_TTL_MS),
        },
        VideoRelay,
        {
          provide: RedisShutdown,
          inject: [REDIS],
          useFactory: (redis: Redis) => new RedisShutdown(redis),
        },
      ],
    };
  }
}
