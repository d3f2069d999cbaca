import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { redisTransportOptions } from '@sapora/coordination';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { ScreenConfig } from './config/screen-config';
import { ScreenModule } from './screen.module';
import { ScreenServer } from './server/screen-server';

export interface ScreenApp {
  app: INestMicroservice;
  logger: Logger;
  address: AddressInfo;
  server: ScreenServer;
}

/** Builds and starts the screen service: a Nest microservice on the Redis transport, to hear membership. */
export async function createScreenApp(
  env: Record<string, string | undefined> = process.env,
  options: { logger?: Logger } = {},
): Promise<ScreenApp> {
  const config = loadConfig(ScreenConfig, env);
  const logger =
    options.logger ?? createLogger('screen', { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    ScreenModule.register(config, logger),
    {
      ...redisTransportOptions(config.REDIS_URL),
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    },
  );
  await app.listen();
  const server = app.get(ScreenServer);
  return { app, logger, address: server.address, server };
}
