import { IsInt, IsIP, Max, Min } from 'class-validator';
import {
  CHAT_BURST,
  CHAT_RATE_PER_SECOND,
  DEFAULT_PORTS,
  HEARTBEAT_INTERVAL_MS,
  IDLE_TIMEOUT_MS,
  INCOMPLETE_FRAME_TIMEOUT_MS,
} from '@sapora/protocol';
import { CommonConfig, ConfigError } from '@sapora/service-kit';

/** The control service's environment variables; every timing can be shortened for tests. */
export class ControlConfig extends CommonConfig {
  @IsIP(undefined, { message: 'must be an IP address to listen on, e.g. 0.0.0.0' })
  CONTROL_HOST: string = '0.0.0.0';

  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  CONTROL_PORT: number = DEFAULT_PORTS.control;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(10)
  HEARTBEAT_INTERVAL_MS: number = HEARTBEAT_INTERVAL_MS;

  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(50)
  IDLE_TIMEOUT_MS: number = IDLE_TIMEOUT_MS;

  /** How often expired sessions are looked for; a silent client is gone within IDLE_TIMEOUT_MS plus this. */
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(10)
  SWEEP_INTERVAL_MS: number = 1_000;

  @IsInt()
  @Min(1)
  CHAT_BURST: number = CHAT_BURST;

  @IsInt()
  @Min(1)
  CHAT_RATE_PER_SECOND: number = CHAT_RATE_PER_SECOND;

  /** Scheduler requests per connection, joined or not: a burst of this many... */
  @IsInt()
  @Min(1)
  MEETING_REQUEST_BURST: number = 30;

  /** ...refilled at this rate. Requests may come before REGISTER, so this is their only bound. */
  @IsInt()
  @Min(1)
  MEETING_REQUEST_RATE_PER_SECOND: number = 10;

  @IsInt()
  @Min(100)
  INCOMPLETE_FRAME_TIMEOUT_MS: number = INCOMPLETE_FRAME_TIMEOUT_MS;

  /** A client that lets this much pile up unread is cut off rather than held in memory. */
  @IsInt()
  @Min(65_536)
  MAX_SEND_BUFFER_BYTES: number = 8 * 1024 * 1024;

  /** How long shutdown waits for clients to take their DISCONNECT before cutting them off. */
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS: number = 2_000;

  /** How long before a scheduled meeting's start its "soon" reminder goes out. */
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100)
  MEETING_REMINDER_LEAD_MS: number = 5 * 60_000;
}

/** Checks that relate two variables, which decorators on one property cannot express. */
export function checkControlConfig(config: ControlConfig): ControlConfig {
  if (config.IDLE_TIMEOUT_MS <= config.HEARTBEAT_INTERVAL_MS) {
    throw new ConfigError([
      `IDLE_TIMEOUT_MS (${config.IDLE_TIMEOUT_MS}): must be longer than HEARTBEAT_INTERVAL_MS (${config.HEARTBEAT_INTERVAL_MS})`,
    ]);
  }
  return config;
}
