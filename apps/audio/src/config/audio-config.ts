import { IsInt, IsIP, Max, Min } from 'class-validator';
import {
  AUDIO_FRAME_SAMPLES,
  AUDIO_JITTER_MAX_MS,
  AUDIO_MAX_FRAME_SAMPLES,
  AUDIO_SAMPLE_RATE,
  DEFAULT_PORTS,
} from '@sapora/protocol';
import { CommonConfig } from '@sapora/service-kit';

/** The audio service's environment variables. */
export class AudioConfig extends CommonConfig {
  @IsIP(undefined, { message: 'must be an IP address to listen on, e.g. 0.0.0.0' })
  AUDIO_HOST: string = '0.0.0.0';

  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  AUDIO_PORT: number = DEFAULT_PORTS.audio;

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

  /** How often the service logs its figures (datagrams, missed ticks, added latency). */
  @IsInt()
  @Min(100)
  AUDIO_STATS_INTERVAL_MS: number = 10_000;

  /** How long an unknown token is remembered as unknown, so a flood of bad datagrams costs no Redis. */
  @IsInt()
  @Min(100)
  UNKNOWN_TOKEN_TTL_MS: number = 1_000;
}
