import { EventPublisher, Redis, REDIS, RoomStore } from '@sapora/coordination';
import { defineService } from '@sapora/service-kit';
import { checkScreenConfig, ScreenConfig } from './config/screen-config';
import { ScreenProtocol } from './server/screen-protocol';

/** Screen (TCP 5003): one presenter per room, newest-frame-wins fan-out to its viewers. */
export const screenService = defineService({
  name: 'screen',
  config: ScreenConfig,
  check: checkScreenConfig,
  redis: {},
  edge: {
    tcp: ScreenProtocol,
    listen: (config) => ({ host: config.SCREEN_HOST, port: config.SCREEN_PORT }),
  },
  membership: ScreenProtocol,
  node: {
    kind: 'screen',
    capacity: (config) => config.SCREEN_CAPACITY,
    publicAddress: (config) => ({
      host: config.SCREEN_PUBLIC_HOST,
      port: config.SCREEN_PUBLIC_PORT,
    }),
    load: ScreenProtocol,
  },
  providers: (config) => [
    // Only session reads are used here; the idle timeout is control's business.
    { provide: RoomStore, inject: [REDIS], useFactory: (redis: Redis) => new RoomStore(redis, 1) },
    { provide: EventPublisher, useFactory: () => new EventPublisher(config.REDIS_URL) },
  ],
});
