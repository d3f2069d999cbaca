import { randomUUID } from 'node:crypto';
import { createSocket, Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { connect as connectTls } from 'node:tls';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { encodeAnnouncement, PROTOCOL_VERSION } from '@sapora/protocol';
import { HealthIndicator, Logger, LOGGER } from '@sapora/service-kit';
import { DiscoveryConfig } from '../config/discovery-config';
import {
  defaultBroadcastAddresses,
  defaultControlHost,
  NetworkInterfaces,
} from '../network/interfaces';

export interface AnnouncerStats {
  /** Datagrams the kernel accepted. */
  sent: number;
  failed: number;
}

/**
 * Broadcasts this server's announcement at start and then every DISCOVERY_INTERVAL_MS to
 * each broadcast address. A failed send (no route, interface down) is logged once per
 * address until it works again, and never stops the service: the network may come back.
 */
@Injectable()
export class Announcer
  implements OnApplicationBootstrap, BeforeApplicationShutdown, HealthIndicator
{
  /** Random per process: a restarted server is a new server to listeners, which is harmless. */
  readonly serverId = randomUUID();
  readonly #stats: AnnouncerStats = { sent: 0, failed: 0 };
  /** Addresses whose last send failed, with that failure's code. */
  readonly #failing = new Map<string, string>();
  #socket: Socket | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  /** What the last announcement said and where it went, to log only when that changes. */
  #lastPlan = '';
  /** When a send last worked (0: never). */
  #lastSentAt = 0;
  /** Control's TLS fingerprint, once known: given, or learned from control over TLS. */
  #fingerprint: string | undefined;
  #probing = false;

  constructor(
    private readonly config: DiscoveryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const given = config.CONTROL_FINGERPRINT?.replace(/:/g, '').toUpperCase();
    this.#fingerprint = given?.match(/../g)?.join(':');
  }

  /** Control's TLS fingerprint as announced (undefined until known). */
  get fingerprint256(): string | undefined {
    return this.#fingerprint;
  }

  get stats(): AnnouncerStats {
    return { ...this.#stats };
  }

  /** Healthy while announcements go out: one has reached the network within two intervals. */
  healthProblem(): string | null {
    const sinceMs = Date.now() - this.#lastSentAt;
    if (sinceMs <= 2 * this.config.DISCOVERY_INTERVAL_MS + 1_000) return null;
    const failing = [...this.#failing].map(([target, code]) => `${target}: ${code}`).join(', ');
    return this.#lastSentAt === 0
      ? `no announcement sent yet${failing === '' ? '' : ` (${failing})`}`
      : `no announcement sent for ${Math.round(sinceMs / 1000)} s${failing === '' ? '' : ` (${failing})`}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('error', (error) => this.logger.error({ err: error }, 'discovery socket error'));
    // setBroadcast needs a bound socket; any local port does, listeners only check the sender IP.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.setBroadcast(true);
    this.#socket = socket;
    this.#announce();
    this.#timer = setInterval(() => this.#announce(), this.config.DISCOVERY_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) await new Promise<void>((resolve) => socket.close(resolve));
  }

  #announce(): void {
    const socket = this.#socket;
    if (this.#stopped || socket === null) return;
    if (this.#fingerprint === undefined) this.#probe();
    const { config } = this;
    // Read only when a default needs it, so configured values never depend on the machine.
    const interfaces: NetworkInterfaces =
      config.CONTROL_PUBLIC_HOST === undefined || config.DISCOVERY_BROADCAST === undefined
        ? networkInterfaces()
        : {};
    const controlHost = config.CONTROL_PUBLIC_HOST ?? defaultControlHost(interfaces);
    const targets = config.DISCOVERY_BROADCAST ?? defaultBroadcastAddresses(interfaces);
    this.#logPlan(controlHost, targets);
    const datagram = encodeAnnouncement({
      serverId: this.serverId,
      name: config.SERVER_NAME,
      protocolVersion: PROTOCOL_VERSION,
      controlHost,
      controlPort: config.CONTROL_PUBLIC_PORT,
      fingerprint256: this.#fingerprint,
    });
    for (const target of targets) {
      socket.send(datagram, config.DISCOVERY_PORT, target, (error) => {
        if (this.#stopped) return;
        if (error) this.#sendFailed(target, error);
        else this.#sendWorked(target);
      });
    }
  }

  /**
   * Learns control's fingerprint by a TLS handshake with it on this host (the loopback is not
   * the LAN, so nobody can stand in between); until then announcements carry none (format 1).
   */
  #probe(): void {
    if (this.#probing) return;
    this.#probing = true;
    const host = this.config.CONTROL_PROBE_HOST;
    const port = this.config.CONTROL_PUBLIC_PORT;
    const probe = connectTls({ host, port, rejectUnauthorized: false });
    const done = (): void => {
      this.#probing = false;
      probe.destroy();
    };
    probe.setTimeout(this.config.DISCOVERY_INTERVAL_MS, done);
    probe.once('error', done);
    probe.once('secureConnect', () => {
      this.#fingerprint = probe.getPeerCertificate().fingerprint256;
      this.logger.info(
        { fingerprint256: this.#fingerprint },
        `discovery announces control's TLS fingerprint ${this.#fingerprint}`,
      );
      done();
    });
  }

  #logPlan(controlHost: string, targets: string[]): void {
    const plan = `${controlHost}:${this.config.CONTROL_PUBLIC_PORT} to ${targets.join(', ')}`;
    if (plan === this.#lastPlan) return;
    this.#lastPlan = plan;
    this.logger.info(
      {
        serverId: this.serverId,
        name: this.config.SERVER_NAME,
        controlHost,
        controlPort: this.config.CONTROL_PUBLIC_PORT,
        targets,
        port: this.config.DISCOVERY_PORT,
        intervalMs: this.config.DISCOVERY_INTERVAL_MS,
      },
      `discovery announcing "${this.config.SERVER_NAME}" (control ${plan}, UDP ${this.config.DISCOVERY_PORT})`,
    );
  }

  #sendFailed(target: string, error: NodeJS.ErrnoException): void {
    this.#stats.failed++;
    const code = error.code ?? error.message;
    if (this.#failing.get(target) === code) return;
    this.#failing.set(target, code);
    this.logger.warn({ err: error, target }, `discovery cannot send to ${target}: ${code}`);
  }

  #sendWorked(target: string): void {
    this.#stats.sent++;
    this.#lastSentAt = Date.now();
    if (!this.#failing.delete(target)) return;
    this.logger.info({ target }, `discovery reaches ${target} again`);
  }
}
