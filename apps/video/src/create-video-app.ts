import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { redisTransportOptions } from '@sapora/coordination';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { VideoConfig } from './config/video-config';
import { VideoRelay } from './server/video-relay';
import { VideoModule } from './video.module';

export interface VideoApp {
  app: INestMicroservice;
  logger: Logger;
  address: AddressInfo;
  relay: VideoRelay;
}

/** Builds and starts the video relay: a Nest microservice on the Redis transport with the UDP relay as a provider. */
export async function createVideoApp(
  env: Record<string, string | undefined> = process.env,
  options: { logger?: Logger } = {},
): Promise<VideoApp> {
  const config = loadConfig(VideoConfig, env);
  const logger =
    options.logger ?? createLogger('video', { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    VideoModule.register(config, logger),
    {
      ...redisTransportOptions(config.REDIS_URL),
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    },
  );
  await app.listen();
  const relay = app.get(VideoRelay);
  return { app, logger, address: relay.address, relay };
}
