import { hostname } from 'node:os';
import { Transform } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsByteLength,
  IsInt,
  IsIP,
  IsOptional,
  isFQDN,
  isIP,
  Matches,
  Max,
  Min,
  ValidateBy,
} from 'class-validator';
import {
  ANNOUNCEMENT_HOST_MAX_BYTES,
  ANNOUNCEMENT_NAME_MAX_BYTES,
  DEFAULT_PORTS,
  DISCOVERY_INTERVAL_MS,
} from '@sapora/protocol';
import { CommonConfig } from '@sapora/service-kit';

/** An IP address or a host name, short enough for an announcement. */
function IsHost(): PropertyDecorator {
  return ValidateBy({
    name: 'isHost',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        value.length <= ANNOUNCEMENT_HOST_MAX_BYTES &&
        // Announcements carry the host as ASCII; an internationalized name goes in punycode.
        /^[\x21-\x7e]+$/.test(value) &&
        (isIP(value) || isFQDN(value, { require_tld: false, allow_underscores: true })),
      defaultMessage: () => 'must be an IP address or host name clients can reach, e.g. 10.0.0.5',
    },
  });
}

/**
 * The discovery service's environment variables. It keeps no state and so needs no Redis;
 * REDIS_URL comes with CommonConfig and is ignored. CONTROL_PUBLIC_HOST and
 * DISCOVERY_BROADCAST are left unset (undefined) to mean "from the machine's interfaces",
 * which the announcer works out again before every announcement, so a service started before
 * the network was up (or a laptop that changed networks) still announces the right thing.
 */
export class DiscoveryConfig extends CommonConfig {
  /** Port announcements go to; listeners bind it. */
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(65535)
  DISCOVERY_PORT: number = DEFAULT_PORTS.discovery;

  @IsInt({ message: 'must be a whole number' })
  @Min(100)
  @Max(60_000)
  DISCOVERY_INTERVAL_MS: number = DISCOVERY_INTERVAL_MS;

  /** The name people see in a list of servers. */
  @IsByteLength(1, ANNOUNCEMENT_NAME_MAX_BYTES, {
    message: `must be 1 to ${ANNOUNCEMENT_NAME_MAX_BYTES} bytes of UTF-8`,
  })
  @Matches(/^\P{Cc}*$/u, { message: 'must not contain control characters' })
  SERVER_NAME: string = hostname();

  /** Where clients connect to the control service; default: this machine's first LAN IPv4 address. */
  @IsOptional()
  @IsHost()
  CONTROL_PUBLIC_HOST?: string;

  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(65535)
  CONTROL_PUBLIC_PORT: number = DEFAULT_PORTS.control;

  /**
   * Comma-separated IPv4 addresses to send to, e.g. 192.168.1.255. Default: the broadcast
   * address of every LAN IPv4 subnet of this machine (see defaultBroadcastAddresses).
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((address) => address.trim())
          .filter((address) => address !== '')
      : value,
  )
  @ArrayNotEmpty({ message: 'must list at least one address' })
  @IsIP(4, { each: true, message: 'must be comma-separated IPv4 addresses, e.g. 10.0.0.255' })
  DISCOVERY_BROADCAST?: string[];

  /**
   * The control service's TLS fingerprint (SHA-256, hex with or without colons) to announce.
   * Unset: asked of control itself over TLS at CONTROL_PROBE_HOST and CONTROL_PUBLIC_PORT.
   */
  @IsOptional()
  @Matches(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, {
    message: 'must be a SHA-256 fingerprint: 32 bytes of hex, e.g. AB:CD:...',
  })
  CONTROL_FINGERPRINT?: string;

  /** Where this host reaches control to learn its fingerprint: the same machine, by default. */
  @IsHost()
  CONTROL_PROBE_HOST: string = '127.0.0.1';
}
