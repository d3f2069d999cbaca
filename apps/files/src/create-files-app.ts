import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { FilesConfig } from './config/files-config';
import { FilesModule } from './files.module';
import { FilesServer } from './server/files-server';

export interface FilesApp {
  app: INestApplicationContext;
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
  const app = await NestFactory.createApplicationContext(FilesModule.register(config, logger), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  await app.init();
  return { app, logger, address: app.get(FilesServer).address };
}
