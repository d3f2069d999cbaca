import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { redisTransportOptions } from '@sapora/coordination';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { AudioModule } from './audio.module';
import { AudioConfig } from './config/audio-config';
import { AudioServer } from './server/audio-server';

export interface AudioApp {
  app: INestMicroservice;
  logger: Logger;
  address: AddressInfo;
  server: AudioServer;
}

/**
 * Builds and starts the audio service. It is a Nest microservice on the Redis transport (to
 * hear membership events) with the UDP mixer as a provider.
 */
export async function createAudioApp(
  env: Record<string, string | undefined> = process.env,
  options: { logger?: Logger } = {},
): Promise<AudioApp> {
  const config = loadConfig(AudioConfig, env);
  const logger =
    options.logger ?? createLogger('audio', { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    AudioModule.register(config, logger),
    {
      ...redisTransportOptions(config.REDIS_URL),
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    },
  );
  await app.listen();
  const server = app.get(AudioServer);
  return { app, logger, address: server.address, server };
}
