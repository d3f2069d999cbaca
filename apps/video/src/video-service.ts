import { liveSessionCacheProvider } from '@sapora/coordination';
import { defineService } from '@sapora/service-kit';
import { VideoConfig } from './config/video-config';
import { VideoRelay } from './server/video-relay';

/** Video (UDP 6000): relays each participant's JPEG fragments to the rest of the room. */
export const videoService = defineService({
  name: 'video',
  config: VideoConfig,
  redis: {},
  edge: {
    udp: VideoRelay,
    listen: (config) => ({
      host: config.VIDEO_HOST,
      port: config.VIDEO_PORT,
      receiveBufferBytes: 8 * 1024 * 1024,
      sendBufferBytes: 8 * 1024 * 1024,
    }),
  },
  membership: VideoRelay,
  node: {
    kind: 'video',
    capacity: (config) => config.VIDEO_CAPACITY,
    publicAddress: (config) => ({ host: config.VIDEO_PUBLIC_HOST, port: config.VIDEO_PUBLIC_PORT }),
    load: VideoRelay,
  },
  workers: (config) => ({
    prefix: 'VIDEO',
    port: config.VIDEO_PORT,
    workers: config.VIDEO_WORKERS,
    ports: config.VIDEO_WORKER_PORTS,
  }),
  providers: (config) => [liveSessionCacheProvider(config.UNKNOWN_TOKEN_TTL_MS)],
});
