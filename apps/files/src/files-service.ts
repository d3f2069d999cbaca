import {
  BULLMQ_REDIS,
  EventPublisher,
  FileCatalog,
  Redis,
  REDIS,
  RedisLink,
  RoomStore,
} from '@sapora/coordination';
import { defineService } from '@sapora/service-kit';
import { FilesConfig } from './config/files-config';
import { FileExpiry } from './expiry/file-expiry';
import { RoomClosing } from './membership/room-closing';
import { FilesProtocol } from './server/files-protocol';
import { FileStorage } from './storage/file-storage';

/** Files (TCP 5002): uploads and downloads, MD5-checked, stored under server-made ids. */
export const filesService = defineService({
  name: 'files',
  config: FilesConfig,
  redis: { bullMq: true },
  edge: {
    tcp: FilesProtocol,
    listen: (config) => ({ host: config.FILES_HOST, port: config.FILES_PORT }),
  },
  membership: RoomClosing,
  node: {
    kind: 'files',
    capacity: (config) => config.FILES_CAPACITY,
    publicAddress: (config) => ({ host: config.FILES_PUBLIC_HOST, port: config.FILES_PUBLIC_PORT }),
    load: FilesProtocol,
  },
  providers: (config, logger) => [
    // Only session and member reads are used here; the idle timeout is control's business.
    { provide: RoomStore, inject: [REDIS], useFactory: (redis: Redis) => new RoomStore(redis, 1) },
    { provide: FileCatalog, inject: [REDIS], useFactory: (redis: Redis) => new FileCatalog(redis) },
    { provide: FileStorage, useFactory: () => new FileStorage(config.FILES_DIR) },
    { provide: EventPublisher, useFactory: () => new EventPublisher(config.REDIS_URL) },
    {
      provide: FileExpiry,
      inject: [BULLMQ_REDIS, FileCatalog, FileStorage, RedisLink],
      useFactory: (redis: Redis, catalog: FileCatalog, storage: FileStorage, link: RedisLink) =>
        new FileExpiry(redis, catalog, storage, logger, config.FILES_RESUME_MS, link),
    },
    RoomClosing,
  ],
});
