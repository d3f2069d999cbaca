import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadConfig, Logger, NestPinoLogger } from '@sapora/service-kit';
import { Announcer } from './announcer/announcer';
import { DiscoveryConfig } from './config/discovery-config';
import { DiscoveryModule } from './discovery.module';

export interface DiscoveryApp {
  app: INestApplicationContext;
  logger: Logger;
  announcer: Announcer;
}

/**
 * Builds and starts the discovery service: a standalone Nest application (it serves nothing
 * and needs no transport) whose announcer starts broadcasting once the app is initialised.
 */
export async function createDiscoveryApp(
  env: Record<string, string | undefined> = process.env,
  options: { logger?: Logger } = {},
): Promise<DiscoveryApp> {
  const config = loadConfig(DiscoveryConfig, env);
  const logger =
    options.logger ??
    createLogger('discovery', { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
  const app = await NestFactory.createApplicationContext(DiscoveryModule.register(config, logger), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  return { app, logger, announcer: app.get(Announcer) };
}
