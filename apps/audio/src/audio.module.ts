import { DynamicModule, Module } from '@nestjs/common';
import { liveSessionCacheProvider, redisProviders } from '@sapora/coordination';
import { Logger, LOGGER } from '@sapora/service-kit';
import { AudioConfig } from './config/audio-config';
import { MembershipController } from './membership/membership.controller';
import { AudioServer } from './server/audio-server';

@Module({})
export class AudioModule {
  static register(config: AudioConfig, logger: Logger): DynamicModule {
    return {
      module: AudioModule,
      controllers: [MembershipController],
      providers: [
        { provide: AudioConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        ...redisProviders(config.REDIS_URL, 'sapora-audio'),
        liveSessionCacheProvider(config.UNKNOWN_TOKEN_TTL_MS),
        AudioServer,
      ],
    };
  }
}
