import { DynamicModule, Module } from '@nestjs/common';
import { liveSessionCacheProvider, redisProviders } from '@sapora/coordination';
import { Logger, LOGGER } from '@sapora/service-kit';
import { VideoConfig } from './config/video-config';
import { MembershipController } from './membership/membership.controller';
import { VideoRelay } from './server/video-relay';

@Module({})
export class VideoModule {
  static register(config: VideoConfig, logger: Logger): DynamicModule {
    return {
      module: VideoModule,
      controllers: [MembershipController],
      providers: [
        { provide: VideoConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        ...redisProviders(config.REDIS_URL, 'sapora-video'),
        liveSessionCacheProvider(config.UNKNOWN_TOKEN_TTL_MS),
        VideoRelay,
      ],
    };
  }
}
