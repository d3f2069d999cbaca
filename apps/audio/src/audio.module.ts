import { DynamicModule, Module } from '@nestjs/common';
import {
  createRedis,
  LiveSessionCache,
  Redis,
  RedisShutdown,
  RoomStore,
} from '@sapora/coordination';
import { Logger } from '@sapora/service-kit';
import { LOGGER, REDIS } from './audio-tokens';
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
        {
          provide: REDIS,
          useFactory: () => createRedis(config.REDIS_URL, { name: 'sapora-audio' }),
        },
        {
          provide: LiveSessionCache,
          inject: [REDIS],
          // Only getSession is used here; the idle timeout is control's business.
          useFactory: (redis: Redis) =>
            new LiveSessionCache(new RoomStore(redis, 1), config.UNKNOWN_TOKEN_TTL_MS),
        },
        AudioServer,
        {
          provide: RedisShutdown,
          inject: [REDIS],
          useFactory: (redis: Redis) => new RedisShutdown(redis),
        },
      ],
    };
  }
}
