import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import {
  AUDIO_FRAME_SAMPLES,
  AUDIO_JITTER_MAX_MS,
  AUDIO_MAX_FRAME_SAMPLES,
  AUDIO_SAMPLE_RATE,
  DEFAULT_PORTS,
} from '@sapora/protocol';
import {
  IsListenHost,
  IsListenPort,
  IsMilliseconds,
  IsWorkerPorts,
  MediaServiceConfig,
} from '@sapora/service-kit';

/** The audio service's environment variables. */
export class AudioConfig extends MediaServiceConfig {
  @IsListenHost()
  AUDIO_HOST: string = '0.0.0.0';

  @IsListenPort()
  AUDIO_PORT: number = DEFAULT_PORTS.audio;

  /** Where clients reach this node, when not where it binds (another host's address, NAT). */
  @IsOptional()
  @IsString()
  AUDIO_PUBLIC_HOST?: string;

  @IsOptional()
  @IsListenPort()
  AUDIO_PUBLIC_PORT?: number;

  /** Most participants this node takes over all its rooms; control places no more on it. */
  @IsInt()
  @Min(1)
  AUDIO_CAPACITY: number = 300;

  /**
   * Worker processes, each a node of its own (PROTOCOL §16 "Workers"). Unset or 0: one per
   * core, as many as AUDIO_WORKER_PORTS allows; 1 runs the service as one process.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(256)
  AUDIO_WORKERS?: number;

  /** Ports of workers 1, 2, ... (worker 0 binds AUDIO_PORT); "0": the kernel picks (tests). */
  @IsWorkerPorts()
  AUDIO_WORKER_PORTS: string = '6201-6263';

  @IsInt({ message: 'must be a whole number of samples' })
  @Min(64)
  @Max(AUDIO_MAX_FRAME_SAMPLES, {
    message: `must fit one datagram: at most ${AUDIO_MAX_FRAME_SAMPLES} samples`,
  })
  AUDIO_FRAME_SAMPLES: number = AUDIO_FRAME_SAMPLES;

  @IsInt()
  @Min(8_000)
  @Max(96_000)
  AUDIO_SAMPLE_RATE: number = AUDIO_SAMPLE_RATE;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(20)
  @Max(1_000)
  AUDIO_JITTER_MAX_MS: number = AUDIO_JITTER_MAX_MS;

  /**
   * Most delay a jitter buffer aims for however much jitter it measures: on a LAN a few ms of
   * jitter matter, and every frame held is 11.6 ms added. Raise it for a shaky network.
   */
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(0)
  @Max(1_000)
  AUDIO_JITTER_TARGET_MAX_MS: number = 25;

  /** How often the service logs its figures (datagrams, missed ticks, added latency). */
  @IsMilliseconds(100)
  AUDIO_STATS_INTERVAL_MS: number = 10_000;
}
