import { DynamicModule, Module } from '@nestjs/common';
import {
  EventPublisher,
  FileCatalog,
  Redis,
  REDIS,
  redisProviders,
  RoomStore,
} from '@sapora/coordination';
import { Logger, LOGGER } from '@sapora/service-kit';
import { FilesConfig } from './config/files-config';
import { FileExpiry } from './expiry/file-expiry';
import { RoomClosingController } from './membership/room-closing.controller';
import { FilesServer } from './server/files-server';
import { FileStorage } from './storage/file-storage';

@Module({})
export class FilesModule {
  static register(config: FilesConfig, logger: Logger): DynamicModule {
    return {
      module: FilesModule,
      controllers: [RoomClosingController],
      providers: [
        { provide: FilesConfig, useValue: config },
        { provide: LOGGER, useValue: logger },
        ...redisProviders(config.REDIS_URL, 'sapora-files', { forBullMq: true }),
        // Only session and member reads are used here; the idle timeout is control's business.
        {
          provide: RoomStore,
          inject: [REDIS],
          useFactory: (redis: Redis) => new RoomStore(redis, 1),
        },
        {
          provide: FileCatalog,
          inject: [REDIS],
          useFactory: (redis: Redis) => new FileCatalog(redis),
        },
        { provide: FileStorage, useFactory: () => new FileStorage(config.FILES_DIR) },
        { provide: EventPublisher, useFactory: () => new EventPublisher(config.REDIS_URL) },
        {
          provide: FileExpiry,
          inject: [REDIS, FileCatalog, FileStorage],
          useFactory: (redis: Redis, catalog: FileCatalog, storage: FileStorage) =>
            new FileExpiry(redis, catalog, storage, logger, config.FILES_RESUME_MS),
        },
        FilesServer,
      ],
    };
  }
}
