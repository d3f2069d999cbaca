import { DynamicModule, Module } from '@nestjs/common';
import { EventPublisher, Redis, REDIS, redisProviders, RoomStore } from '@sapora/coordination';
import { Logger, LOGGER } from '@sapora/service-kit';
import { ScreenConfig } from './config/screen-config';
import { MembershipController } from './membership/membership.controller';
import { ScreenServer } from './server/screen-server';

@Module({})
export class ScreenModule {
  static register(config: ScreenConfig, logger: Logger): DynamicModule {
    return {
      module: ScreenModule,
      controllers: [MembershipController],
      providers: [
        { provide: ScreenConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        ...redisProviders(config.REDIS_URL, 'sapora-screen'),
        // Only session reads are used here; the idle timeout is control's business.
        {
          provide: RoomStore,
          inject: [REDIS],
          useFactory: (redis: Redis) => new RoomStore(redis, 1),
        },
        { provide: EventPublisher, useFactory: () => new EventPublisher(config.REDIS_URL) },
        ScreenServer,
      ],
    };
  }
}
