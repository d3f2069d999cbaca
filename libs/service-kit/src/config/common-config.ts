import { IsIn, IsInt, IsIP, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { INCOMPLETE_FRAME_TIMEOUT_MS } from '@sapora/protocol';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Several property decorators as one, applied in the order a stack of them would be. */
export function combine(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => [...decorators].reverse().forEach((decorate) => decorate(target, key));
}

/** The address a service binds (`<KIND>_HOST`). */
export const IsListenHost = (): PropertyDecorator =>
  IsIP(undefined, { message: 'must be an IP address to listen on, e.g. 0.0.0.0' });

/** The port a service binds (`<KIND>_PORT`); 0 lets the kernel pick (tests). */
export const IsListenPort = (): PropertyDecorator =>
  combine(IsInt({ message: 'must be a whole number' }), Min(0), Max(65535));

/** A duration setting of at least `min` milliseconds. */
export const IsMilliseconds = (min: number): PropertyDecorator =>
  combine(IsInt({ message: 'must be a whole number of milliseconds' }), Min(min));

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

  /** The Unix socket `--health` asks; by default one per service and port under the temp dir. */
  @IsOptional()
  @IsString()
  HEALTH_SOCKET?: string;

  /**
   * Media services: the address clients on the LAN reach this host at, announced with the
   * node's registration (a `<KIND>_PUBLIC_HOST` wins over it). Needed on a media host of its own.
   */
  @IsOptional()
  @IsString()
  MEDIA_PUBLIC_HOST?: string;

  /** How long shutdown waits for clients to go before cutting them off. */
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS: number = 2_000;
}

/** Variables of every service that speaks framed TCP (control, files, screen). */
export class TcpServiceConfig extends CommonConfig {
  /** A frame whose bytes stop arriving half way is abandoned after this long. */
  @IsMilliseconds(100)
  INCOMPLETE_FRAME_TIMEOUT_MS: number = INCOMPLETE_FRAME_TIMEOUT_MS;

  /** A connection that has not proved a live session this long after connecting is closed. */
  @IsMilliseconds(100)
  AUTH_TIMEOUT_MS: number = 10_000;

  /** A client that lets this much pile up unread is cut off rather than held in memory. */
  @IsInt()
  @Min(65_536)
  MAX_SEND_BUFFER_BYTES: number = 8 * 1024 * 1024;

  /**
   * A PEM certificate and its key (TLS_CERT, TLS_KEY: both or neither). Unset: the deployment's
   * self-signed identity, made once and kept in Redis, which every TCP service presents.
   */
  @IsOptional()
  @IsString()
  TLS_CERT?: string;

  @IsOptional()
  @IsString()
  TLS_KEY?: string;

  /** "1": plain TCP is accepted beside TLS on the same port (for `--insecure` clients). */
  @IsIn(['0', '1'], { message: 'must be 0 or 1' })
  SAPORA_ALLOW_PLAINTEXT: '0' | '1' = '0';

  /** A peer must finish its TLS handshake (or send its first plain byte) this soon after connecting. */
  @IsMilliseconds(100)
  TLS_HANDSHAKE_TIMEOUT_MS: number = 10_000;
}

/** Variables of every media service that checks datagrams' session tokens (audio, video). */
export class MediaServiceConfig extends CommonConfig {
  /** How long an unknown token is remembered as unknown, so repeats of it cost no Redis. */
  @IsMilliseconds(100)
  UNKNOWN_TOKEN_TTL_MS: number = 1_000;

  /** Redis lookups of unknown tokens one source (address and port) may cause per second... */
  @IsInt()
  @Min(1)
  UNKNOWN_TOKEN_LOOKUPS_PER_SOURCE: number = 2;

  /** ...and all sources together: a flood of random tokens costs at most this many reads a second. */
  @IsInt()
  @Min(1)
  UNKNOWN_TOKEN_LOOKUPS_PER_SECOND: number = 50;
}
