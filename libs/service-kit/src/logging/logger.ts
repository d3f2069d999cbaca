import pino, { Logger } from 'pino';
import pretty from 'pino-pretty';
import { LogLevel } from '../config/common-config';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LogLevel;
  nodeEnv: string;
  /** Force readable (true) or JSON (false) output; by default readable on a terminal outside production. */
  pretty?: boolean;
}

/** One JSON line per event; readable colored lines when a person is watching a terminal. */
export function createLogger(service: string, options: LoggerOptions): Logger {
  const readable =
    options.pretty ?? (options.nodeEnv !== 'production' && process.stdout.isTTY === true);
  const base = {
    level: options.level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!readable) return pino(base);
  return pino(
    base,
    pretty({ colorize: true, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }),
  );
}

/** Nest token of a service's pino logger. */
export const LOGGER = Symbol('LOGGER');
