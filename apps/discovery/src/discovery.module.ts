import { DynamicModule, Module } from '@nestjs/common';
import { Logger, LOGGER } from '@sapora/service-kit';
import { Announcer } from './announcer/announcer';
import { DiscoveryConfig } from './config/discovery-config';

@Module({})
export class DiscoveryModule {
  static register(config: DiscoveryConfig, logger: Logger): DynamicModule {
    return {
      module: DiscoveryModule,
      providers: [
        { provide: DiscoveryConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        Announcer,
      ],
    };
  }
}
