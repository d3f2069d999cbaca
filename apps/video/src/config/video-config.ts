import { IsInt, IsIP, Max, Min } from 'class-validator';
import { DEFAULT_PORTS } from '@sapora/protocol';
import { CommonConfig } from '@sapora/service-kit';

/** The video service's environment variables. */
export class VideoConfig extends CommonConfig {
  @IsIP(undefined, { message: 'must be an IP address to listen on, e.g. 0.0.0.0' })
  VIDEO_HOST: string = '0.0.0.0';

  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  VIDEO_PORT: number = DEFAULT_PORTS.video;

  /** How long an unknown token is remembered as unknown, so a flood of bad datagrams costs no Redis. */
  @IsInt()
  @Min(100)
  UNKNOWN_TOKEN_TTL_MS: number = 1_000;
}
