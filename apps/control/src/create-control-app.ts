import 'reflect-metadata';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { redisTransportOptions } from '@sapora/coordination';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { AddressInfo } from 'node:net';
import { checkControlConfig, ControlConfig } from './config/control-config';
import { ControlModule } from './control.module';
import { ControlServer } from './server/control-server';

export interface ControlApp {
  app: INestMicroservice;
  logger: Logger;
  address: AddressInfo;
}

/** Builds and starts the control service from environment-style variables. */
export async function createControlApp(
  env: Record<string, string | undefined> = process.env,
  options: { logger?: Logger } = {},
): Promise<ControlApp> {
  const config = checkControlConfig(loadConfig(ControlConfig, env));
  const logger =
    options.logger ??
    createLogger('control', { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
  // A Nest microservice on the Redis transport, to hear other services' events (a file was
  // stored); the TCP edge is a provider of it.
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    ControlModule.register(config, logger),
    {
      ...redisTransportOptions(config.REDIS_URL),
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    },
  );
  await app.listen();
  return { app, logger, address: app.get(ControlServer).address };
}
