import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { DEFAULT_PORTS, HEARTBEAT_INTERVAL_MS } from '@sapora/protocol';
import { CommonConfig, IsListenHost, IsListenPort, IsMilliseconds } from '@sapora/service-kit';

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+)(:\d{1,5})?$/;
const ADDRESS_MESSAGE = 'must be HOST or HOST:PORT, e.g. 192.168.1.10:5000';

/** The gateway's environment variables. REDIS_URL is not used: the gateway is a client. */
export class GatewayConfig extends CommonConfig {
  @IsListenHost()
  GATEWAY_HOST: string = '0.0.0.0';

  @IsListenPort()
  GATEWAY_PORT: number = DEFAULT_PORTS.gateway;

  /**
   * "on": HTTPS (browsers allow camera and microphone only in a secure context). "off": plain
   * HTTP, for a gateway on 127.0.0.1 (`sapora app`), which browsers treat as secure anyway.
   */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  GATEWAY_TLS: 'on' | 'off' = 'on';

  /** PEM certificate (chain) and key to serve; without them a self-signed pair is made once. */
  @IsOptional()
  @IsString()
  GATEWAY_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  GATEWAY_TLS_KEY?: string;

  /** Where the self-signed certificate is kept between starts (a volume in compose). */
  @IsString()
  @MinLength(1)
  GATEWAY_TLS_DIR: string = './data/gateway-tls';

  /** The control service tabs join by default, or "none" (then tabs name one). */
  @Matches(/^(none|(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+)(:\d{1,5})?)$/, {
    message: 'must be HOST, HOST:PORT or none',
  })
  GATEWAY_CONTROL: string = `127.0.0.1:${DEFAULT_PORTS.control}`;

  /** The file and screen services of that server; by default its host on their standard ports. */
  @IsOptional()
  @Matches(ADDRESS, { message: ADDRESS_MESSAGE })
  GATEWAY_FILES?: string;

  @IsOptional()
  @Matches(ADDRESS, { message: ADDRESS_MESSAGE })
  GATEWAY_SCREEN?: string;

  /**
   * The TLS fingerprint (SHA-256) GATEWAY_CONTROL's services must present; unset: the first key
   * seen is trusted and remembered (GATEWAY_KNOWN_SERVERS).
   */
  @IsOptional()
  @Matches(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, {
    message: 'must be a SHA-256 fingerprint: 32 bytes of hex, e.g. AB:CD:...',
  })
  GATEWAY_CONTROL_FINGERPRINT?: string;

  /**
   * A file (JSON) where the TLS keys of the servers reached are remembered between starts, as
   * the CLI's known-servers.json; unset: for the life of the process only.
   */
  @IsOptional()
  @IsString()
  GATEWAY_KNOWN_SERVERS?: string;

  /** "on": reach the servers over plain TCP (they must allow it: SAPORA_ALLOW_PLAINTEXT=1). */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  GATEWAY_UPSTREAM_INSECURE: 'on' | 'off' = 'off';

  /** What the login shows for the gateway's own server. */
  @IsString()
  @MinLength(1)
  GATEWAY_SERVER_NAME: string = 'Sapora';

  /** "on": a tab may name any server (a gateway on a person's own machine). */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  GATEWAY_ANY_SERVER: 'on' | 'off' = 'off';

  /** "on": listen for servers announcing themselves on the LAN and offer them at the login. */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  GATEWAY_DISCOVERY: 'on' | 'off' = 'off';

  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  DISCOVERY_PORT: number = DEFAULT_PORTS.discovery;

  /** Largest file a tab may send (the file service has its own limit, 100 MB by default). */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1)
  GATEWAY_FILE_MAX_BYTES: number = 100 * 1024 * 1024;

  /** Where uploads and downloads wait on their way between a tab and the file service. */
  @IsString()
  @MinLength(1)
  GATEWAY_SPOOL_DIR: string = join(tmpdir(), 'sapora-gateway');

  /**
   * A tab that answers no WebSocket ping for this long is gone: its participant leaves. One
   * heartbeat interval by default, so a closed or crashed tab leaves within one.
   */
  @IsMilliseconds(300)
  GATEWAY_TAB_TIMEOUT_MS: number = HEARTBEAT_INTERVAL_MS;

  /** Largest WebSocket message at all; a bigger one closes that socket (code 1009). */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1024 * 1024)
  GATEWAY_MAX_MESSAGE_BYTES: number = 2 * 1024 * 1024;

  /** The built web app (apps/web/dist). */
  @IsString()
  @MinLength(1)
  GATEWAY_WEB_ROOT: string = join(__dirname, '..', '..', '..', 'web', 'dist');
}
