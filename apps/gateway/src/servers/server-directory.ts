import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import {
  DiscoveredServer,
  DiscoveryListener,
  FileFingerprintStore,
  FingerprintStore,
  MemoryFingerprintStore,
  ServerTrust,
} from '@sapora/client';
import { DEFAULT_PORTS, GATEWAY_ERROR_CODES, GatewayServer } from '@sapora/protocol';
import { Logger, LOGGER } from '@sapora/service-kit';
import { GatewayConfig } from '../config/gateway-config';
import { GatewayError } from '../socket/gateway-error';
import { formatHostPort, HostPort, parseHostPort, ServerAddressError } from './server-address';

/** Where one Sapora server's services are, as a tab's client reaches them. */
export interface ServerEndpoints {
  address: string;
  control: HostPort;
  files: HostPort;
  screen: HostPort;
  /** How its services are trusted: TLS with the key pinned (announced, given or first seen). */
  trust: ServerTrust;
}

export interface ServerDirectoryEvents {
  /** The list of servers a tab may pick changed (one was heard or lost on the LAN). */
  changed: [GatewayServer[]];
}

/**
 * The servers tabs may join: the gateway's own (GATEWAY_CONTROL), those heard on the LAN when
 * discovery is on, and any at all when GATEWAY_ANY_SERVER is on. A gateway on a server is that
 * server's front door, so by default it reaches nothing else.
 */
@Injectable()
export class ServerDirectory
  extends EventEmitter<ServerDirectoryEvents>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  readonly #own: (ServerEndpoints & { name: string }) | null;
  readonly #anyServer: boolean;
  readonly #store: FingerprintStore;
  readonly #insecure: boolean;
  #listener: DiscoveryListener | null = null;

  constructor(
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
    this.#anyServer = config.GATEWAY_ANY_SERVER === 'on';
    this.#insecure = config.GATEWAY_UPSTREAM_INSECURE === 'on';
    this.#store =
      config.GATEWAY_KNOWN_SERVERS === undefined
        ? new MemoryFingerprintStore()
        : new FileFingerprintStore(config.GATEWAY_KNOWN_SERVERS);
    if (config.GATEWAY_CONTROL === 'none') {
      this.#own = null;
    } else {
      const control = parseHostPort(config.GATEWAY_CONTROL, DEFAULT_PORTS.control);
      this.#own = {
        name: config.GATEWAY_SERVER_NAME,
        address: formatHostPort(control),
        control,
        files: parseHostPort(config.GATEWAY_FILES ?? control.host, DEFAULT_PORTS.files),
        screen: parseHostPort(config.GATEWAY_SCREEN ?? control.host, DEFAULT_PORTS.screen),
        trust: this.#trust(config.GATEWAY_CONTROL_FINGERPRINT),
      };
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.GATEWAY_DISCOVERY !== 'on') return;
    const listener = new DiscoveryListener({ port: this.config.DISCOVERY_PORT });
    const changed = (): boolean => this.emit('changed', this.servers);
    listener.on('server', (server) => {
      this.logger.info(
        { server: server.name, address: `${server.controlHost}:${server.controlPort}` },
        'heard a Sapora server on the LAN',
      );
      changed();
    });
    listener.on('update', changed);
    listener.on('lost', changed);
    listener.on('error', (error) =>
      this.logger.debug({ err: error }, 'discovery datagram dropped'),
    );
    try {
      await listener.start();
      this.#listener = listener;
      this.logger.info(
        { port: this.config.DISCOVERY_PORT },
        'listening for Sapora servers on the LAN',
      );
    } catch (error) {
      this.logger.warn(
        { err: error, port: this.config.DISCOVERY_PORT },
        'cannot listen for LAN announcements; only the configured server is offered',
      );
    }
  }

  onApplicationShutdown(): void {
    this.#listener?.close();
    this.#listener = null;
  }

  get anyServer(): boolean {
    return this.#anyServer;
  }

  get own(): GatewayServer | null {
    return this.#own === null
      ? null
      : { address: this.#own.address, name: this.#own.name, source: 'gateway' };
  }

  /** The gateway's own server first, then those heard on the LAN, by name. */
  get servers(): GatewayServer[] {
    const own = this.own;
    const heard = (this.#listener?.servers ?? [])
      .map((server) => ({
        address: formatHostPort({ host: server.controlHost, port: server.controlPort }),
        name: server.name,
        source: 'discovered' as const,
      }))
      .filter((server) => server.address !== own?.address);
    return own === null ? heard : [own, ...heard];
  }

  /** The endpoints of the server a tab named (blank: the gateway's own), if it may use it. */
  resolve(text: string | undefined): ServerEndpoints {
    const wanted = text?.trim() ?? '';
    if (wanted === '') {
      if (this.#own === null)
        throw new GatewayError(
          GATEWAY_ERROR_CODES.UnknownServer,
          'choose a server: this gateway has none of its own',
          'server',
        );
      return this.#own;
    }
    let control: HostPort;
    try {
      control = parseHostPort(wanted, DEFAULT_PORTS.control);
    } catch (error) {
      if (error instanceof ServerAddressError)
        throw new GatewayError(GATEWAY_ERROR_CODES.InvalidMessage, error.message, 'server');
      throw error;
    }
    const address = formatHostPort(control);
    if (this.#own !== null && address === this.#own.address) return this.#own;
    const heard = this.#heard(address);
    if (heard === undefined && !this.#anyServer)
      throw new GatewayError(
        GATEWAY_ERROR_CODES.UnknownServer,
        `this gateway serves ${this.#own?.address ?? 'only servers it hears on the LAN'}, not ${address}`,
        'server',
      );
    return {
      address,
      control,
      files: { host: control.host, port: DEFAULT_PORTS.files },
      screen: { host: control.host, port: DEFAULT_PORTS.screen },
      // A server heard on the LAN is held to the key it announced.
      trust: this.#trust(heard?.fingerprint256),
    };
  }

  #trust(fingerprint256: string | undefined): ServerTrust {
    const insecure = this.#insecure;
    return {
      insecure,
      store: this.#store,
      ...(fingerprint256 === undefined ? {} : { fingerprint256 }),
      onInsecureConnection: (server) =>
        this.logger.warn({ server }, `reached ${server} over plain TCP: nothing is encrypted`),
    };
  }

  #heard(address: string): DiscoveredServer | undefined {
    return this.#listener?.servers.find(
      (server) =>
        formatHostPort({ host: server.controlHost, port: server.controlPort }) === address,
    );
  }
}
