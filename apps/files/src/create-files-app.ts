import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { redisTransportOptions } from '@sapora/coordination';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { FilesConfig } from './config/files-config';
import { FilesModule } from './files.module';
import { FilesServer } from './server/files-server';

export interface FilesApp {
  app: INestMicroservice;
  logger: Logger;
  address: AddressInfo;
}

/** Builds and starts the file service from environment-style variables. */
export async function createFilesApp(
  env: Record<string, string | undefined> = process.env,
  options: { logger?: Logger } = {},
): Promise<FilesApp> {
  const config = loadConfig(FilesConfig, env);
  const logger =
    options.logger ?? createLogger('files', { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
  // A Nest microservice on the Redis transport, to hear when a room closes.
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    FilesModule.register(config, logger),
    {
      ...redisTransportOptions(config.REDIS_URL),
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    },
  );
  await app.listen();
  return { app, logger, address: app.get(FilesServer).address };
}
