import { IsInt, Max, Min } from 'class-validator';
import {
  AUDIO_FRAME_SAMPLES,
  AUDIO_MAX_FRAME_SAMPLES,
  AUDIO_SAMPLE_RATE,
  CHAT_BURST,
  CHAT_RATE_PER_SECOND,
  DEFAULT_PORTS,
  DEFAULT_VIDEO_DATAGRAM_BYTES,
  MAX_VIDEO_DATAGRAM_BYTES,
  MIN_VIDEO_DATAGRAM_BYTES,
  HEARTBEAT_INTERVAL_MS,
  IDLE_TIMEOUT_MS,
  REMOVED_BAN_MS,
} from '@sapora/protocol';
import {
  ConfigError,
  IsListenHost,
  IsListenPort,
  IsMilliseconds,
  TcpServiceConfig,
} from '@sapora/service-kit';

/** The control service's environment variables; every timing can be shortened for tests. */
export class ControlConfig extends TcpServiceConfig {
  @IsListenHost()
  CONTROL_HOST: string = '0.0.0.0';

  @IsListenPort()
  CONTROL_PORT: number = DEFAULT_PORTS.control;

  @IsMilliseconds(10)
  HEARTBEAT_INTERVAL_MS: number = HEARTBEAT_INTERVAL_MS;

  /** A client silent this long is removed. */
  @IsMilliseconds(50)
  IDLE_TIMEOUT_MS: number = IDLE_TIMEOUT_MS;

  /**
   * A connection that has not joined (scheduler use) and sends nothing this long is closed;
   * such clients send HEARTBEAT as a keepalive.
   */
  @IsMilliseconds(100)
  UNJOINED_IDLE_TIMEOUT_MS: number = 30_000;

  /** How often expired sessions are looked for; a silent client is gone within IDLE_TIMEOUT_MS plus this. */
  @IsMilliseconds(10)
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

  /** How long before a scheduled meeting's start its "soon" reminder goes out. */
  @IsMilliseconds(100)
  MEETING_REMINDER_LEAD_MS: number = 5 * 60_000;

  /** How long a participant the host removed may not rejoin (unless the host lets them). */
  @IsMilliseconds(1000)
  REMOVED_BAN_MS: number = REMOVED_BAN_MS;

  /** Wrong passcodes one connection may send before it is closed. */
  @IsInt()
  @Min(1)
  PASSCODE_GUESSES_PER_CONNECTION: number = 3;

  /** Wrong passcodes for one room from one address within the window before it must wait. */
  @IsInt()
  @Min(1)
  PASSCODE_GUESSES_PER_ADDRESS: number = 10;

  @IsMilliseconds(1_000)
  PASSCODE_GUESS_WINDOW_MS: number = 10 * 60_000;

  /** The answer to a wrong passcode waits this long, doubling with each miss from the address. */
  @IsMilliseconds(0)
  PASSCODE_GUESS_DELAY_MS: number = 250;

  /** The mixer's format, told to clients in the join reply: set it as the audio service has it. */
  @IsInt()
  @Min(8_000)
  @Max(96_000)
  AUDIO_SAMPLE_RATE: number = AUDIO_SAMPLE_RATE;

  @IsInt({ message: 'must be a whole number of samples' })
  @Min(64)
  @Max(AUDIO_MAX_FRAME_SAMPLES)
  AUDIO_FRAME_SAMPLES: number = AUDIO_FRAME_SAMPLES;

  /**
   * Largest video datagram clients send, told to them in the join reply. The default suits a
   * plain LAN (IP fragments it); 1200 for networks that drop IP fragments (VPNs, some Wi-Fi
   * bridges).
   */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(MIN_VIDEO_DATAGRAM_BYTES)
  @Max(MAX_VIDEO_DATAGRAM_BYTES)
  VIDEO_DATAGRAM_BYTES: number = DEFAULT_VIDEO_DATAGRAM_BYTES;
}

/** Checks that relate two variables, which decorators on one property cannot express. */
export function checkControlConfig(config: ControlConfig): void {
  if (config.IDLE_TIMEOUT_MS <= config.HEARTBEAT_INTERVAL_MS) {
    throw new ConfigError([
      `IDLE_TIMEOUT_MS (${config.IDLE_TIMEOUT_MS}): must be longer than HEARTBEAT_INTERVAL_MS (${config.HEARTBEAT_INTERVAL_MS})`,
    ]);
  }
}
