import { IsInt, IsIP, Max, Min } from 'class-validator';
import {
  DEFAULT_PORTS,
  INCOMPLETE_FRAME_TIMEOUT_MS,
  SCREEN_FRAME_MAX_BYTES,
} from '@sapora/protocol';
import { CommonConfig } from '@sapora/service-kit';

/** The screen-share service's environment variables. */
export class ScreenConfig extends CommonConfig {
  @IsIP(undefined, { message: 'must be an IP address to listen on, e.g. 0.0.0.0' })
  SCREEN_HOST: string = '0.0.0.0';

  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  SCREEN_PORT: number = DEFAULT_PORTS.screen;

  /** Largest JPEG a presenter may send; bigger ones are refused (1 MiB by default). */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1024)
  @Max(SCREEN_FRAME_MAX_BYTES)
  SCREEN_MAX_FRAME_BYTES: number = 1024 * 1024;

  /**
   * A viewer with more than this waiting to be sent gets no new frame until it drains; only its
   * newest missed frame is kept. Bounds the memory a stalled viewer can hold (1 MiB by default).
   */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1024)
  SCREEN_VIEWER_BUFFER_BYTES: number = 1024 * 1024;

  @IsInt()
  @Min(100)
  INCOMPLETE_FRAME_TIMEOUT_MS: number = INCOMPLETE_FRAME_TIMEOUT_MS;
}
