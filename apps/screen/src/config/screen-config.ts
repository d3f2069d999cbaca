import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DEFAULT_PORTS, SCREEN_FRAME_MAX_BYTES } from '@sapora/protocol';
import { ConfigError, IsListenHost, IsListenPort, TcpServiceConfig } from '@sapora/service-kit';

/** The screen-share service's environment variables. */
export class ScreenConfig extends TcpServiceConfig {
  @IsListenHost()
  SCREEN_HOST: string = '0.0.0.0';

  @IsListenPort()
  SCREEN_PORT: number = DEFAULT_PORTS.screen;

  /** Where clients reach this node, when not where it binds (another host's address, NAT). */
  @IsOptional()
  @IsString()
  SCREEN_PUBLIC_HOST?: string;

  @IsOptional()
  @IsListenPort()
  SCREEN_PUBLIC_PORT?: number;

  /** Most participants this node takes over all its rooms; control places no more on it. */
  @IsInt()
  @Min(1)
  SCREEN_CAPACITY: number = 1000;

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
}

/**
 * A viewer's connection holds its buffer, one frame written on top of it, and state messages:
 * the send-buffer cap must leave room for that.
 */
export function checkScreenConfig(config: ScreenConfig): void {
  const needed = config.SCREEN_VIEWER_BUFFER_BYTES + 2 * config.SCREEN_MAX_FRAME_BYTES;
  if (config.MAX_SEND_BUFFER_BYTES < needed)
    throw new ConfigError([
      `MAX_SEND_BUFFER_BYTES (${config.MAX_SEND_BUFFER_BYTES}): must be at least SCREEN_VIEWER_BUFFER_BYTES + 2 × SCREEN_MAX_FRAME_BYTES (${needed})`,
    ]);
}
