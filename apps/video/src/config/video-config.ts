import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DEFAULT_PORTS } from '@sapora/protocol';
import {
  IsListenHost,
  IsListenPort,
  IsMilliseconds,
  IsWorkerPorts,
  MediaServiceConfig,
} from '@sapora/service-kit';

/** The video service's environment variables. */
export class VideoConfig extends MediaServiceConfig {
  @IsListenHost()
  VIDEO_HOST: string = '0.0.0.0';

  @IsListenPort()
  VIDEO_PORT: number = DEFAULT_PORTS.video;

  /** Where clients reach this node, when not where it binds (another host's address, NAT). */
  @IsOptional()
  @IsString()
  VIDEO_PUBLIC_HOST?: string;

  @IsOptional()
  @IsListenPort()
  VIDEO_PUBLIC_PORT?: number;

  /** Most participants this node takes over all its rooms; control places no more on it. */
  @IsInt()
  @Min(1)
  VIDEO_CAPACITY: number = 300;

  /**
   * Worker processes, each a node of its own (PROTOCOL §16 "Workers"). Unset or 0: one per
   * core, as many as VIDEO_WORKER_PORTS allows; 1 runs the service as one process.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(256)
  VIDEO_WORKERS?: number;

  /** Ports of workers 1, 2, ... (worker 0 binds VIDEO_PORT); "0": the kernel picks (tests). */
  @IsWorkerPorts()
  VIDEO_WORKER_PORTS: string = '6101-6163';

  /** How often the relay logs its figures (datagrams relayed, refused, dropped), when it has any. */
  @IsMilliseconds(100)
  VIDEO_STATS_INTERVAL_MS: number = 10_000;
}
