import { IsIn, Matches } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Variables every service reads. Service configs extend this class. */
export class CommonConfig {
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// URL, e.g. redis://127.0.0.1:6379' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsIn(['production', 'development', 'test'], {
    message: 'must be production, development or test',
  })
  NODE_ENV: 'production' | 'development' | 'test' = 'development';
}
