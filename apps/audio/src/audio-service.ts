import { EventPublisher, liveSessionCacheProvider } from '@sapora/coordination';
import { defineService } from '@sapora/service-kit';
import { AudioConfig } from './config/audio-config';
import { AudioServer } from './server/audio-server';

/** Audio (UDP 6001): one mix per listener, of everyone in their room but themselves. */
export const audioService = defineService({
  name: 'audio',
  config: AudioConfig,
  redis: {},
  edge: {
    udp: AudioServer,
    listen: (config) => ({
      host: config.AUDIO_HOST,
      port: config.AUDIO_PORT,
      receiveBufferBytes: 4 * 1024 * 1024,
      sendBufferBytes: 4 * 1024 * 1024,
    }),
  },
  membership: AudioServer,
  node: {
    kind: 'audio',
    capacity: (config) => config.AUDIO_CAPACITY,
    publicAddress: (config) => ({ host: config.AUDIO_PUBLIC_HOST, port: config.AUDIO_PUBLIC_PORT }),
    load: AudioServer,
  },
  workers: (config) => ({
    prefix: 'AUDIO',
    port: config.AUDIO_PORT,
    workers: config.AUDIO_WORKERS,
    ports: config.AUDIO_WORKER_PORTS,
  }),
  providers: (config) => [
    liveSessionCacheProvider(config.UNKNOWN_TOKEN_TTL_MS),
    // Who is speaking, published when it changes.
    { provide: EventPublisher, useFactory: () => new EventPublisher(config.REDIS_URL) },
  ],
});
