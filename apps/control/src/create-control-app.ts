import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { AddressInfo } from 'node:net';
import { checkControlConfig, ControlConfig } from './config/control-config';
import { ControlModule } from './control.module';
import { ControlServer } from './server/control-server';

export interface ControlApp {
  app: INestApplicationContext;
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
  const app = await NestFactory.createApplicationContext(ControlModule.register(config, logger), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  await app.init();
  return { app, logger, address: app.get(ControlServer).address };
}
