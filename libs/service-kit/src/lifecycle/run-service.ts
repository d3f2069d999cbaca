import { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'pino';
import { ConfigError } from '../config/load-config';

/**
 * Runs a service's main: builds the app, closes it on SIGTERM/SIGINT (Nest's shutdown hooks
 * then stop accepting, tell clients and close Redis), and turns a bad configuration into one
 * clear message and exit code 78 (EX_CONFIG) rather than a stack trace.
 */
export async function runService(
  name: string,
  create: () => Promise<{ app: INestApplicationContext; logger: Logger }>,
): Promise<void> {
  let started: { app: INestApplicationContext; logger: Logger };
  try {
    started = await create();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${name}: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
  const { app, logger } = started;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} shutting down`);
    app
      .close()
      .then(() => {
        logger.info(`${name} stopped`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, `${name} did not stop cleanly`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
