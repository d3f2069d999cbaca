import { createSocket, RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import {
  Announcement,
  decodeAnnouncement,
  DEFAULT_PORTS,
  DISCOVERY_EXPIRY_MS,
  DISCOVERY_INTERVAL_MS,
} from '@sapora/protocol';

/** A server as a listener last heard it. */
export interface DiscoveredServer {
  /** Random per server process: a restarted server is a new one. */
  id: string;
  /** The name its operator gave it, for people. */
  name: string;
  /** The control protocol version it speaks (1 today). */
  protocolVersion: number;
  /** Where to connect: the control service's host... */
  controlHost: string;
  /** ...and port. */
  controlPort: number;
  /**
   * The SHA-256 fingerprint of its TLS key, when announced: pass it as
   * `trust.fingerprint256` so the first connection is verified too.
   */
  fingerprint256?: string;
  /** The IP address the announcement came from. */
  address: string;
  /** When it was last heard. */
  lastSeen: Date;
}

/** Where a DiscoveryListener listens, and how soon a silent server is lost. */
export interface DiscoveryListenerOptions {
  /** UDP port announcements arrive on (5001 by default). */
  port?: number;
  /** Local address to bind; broadcasts only reach a socket bound to 0.0.0.0 (the default). */
  address?: string;
  /** A server not heard for this long is lost (15 s by default, three missed announcements). */
  staleAfterMs?: number;
}

/** A datagram on the discovery port that is not a valid announcement. */
export class MalformedAnnouncementError extends Error {
  constructor(
    /** Who sent it. */
    readonly address: string,
    /** From which port. */
    readonly port: number,
    cause: Error,
  ) {
    super(`malformed announcement from ${address}:${port}: ${cause.message}`, { cause });
    this.name = 'MalformedAnnouncementError';
  }
}

/** What a DiscoveryListener emits. */
export interface DiscoveryListenerEvents {
  /** A server not in the list before (or lost and back). */
  server: [DiscoveredServer];
  /** A known server whose announcement changed (name, host, port, version or sender). */
  update: [DiscoveredServer];
  /** A server not heard for staleAfterMs. */
  lost: [DiscoveredServer];
  /** A datagram that is not an announcement (MalformedAnnouncementError) or a socket error; only emitted when someone listens. */
  error: [Error];
}

/**
 * Listens for discovery announcements and keeps the list of servers heard recently, keyed by
 * server id. A repeated, unchanged announcement only refreshes lastSeen, so 'update' means
 * something a user would see changed. Malformed datagrams are dropped and, when someone
 * listens for 'error', reported; they never throw, since anything on the LAN can send them.
 */
export class DiscoveryListener extends EventEmitter<DiscoveryListenerEvents> {
  readonly #port: number;
  readonly #address: string;
  readonly #staleAfterMs: number;
  readonly #servers = new Map<string, DiscoveredServer>();
  #socket: Socket | null = null;
  #expiryTimer: NodeJS.Timeout | null = null;

  constructor(options: DiscoveryListenerOptions = {}) {
    super();
    this.#port = options.port ?? DEFAULT_PORTS.discovery;
    this.#address = options.address ?? '0.0.0.0';
    this.#staleAfterMs = options.staleAfterMs ?? DISCOVERY_EXPIRY_MS;
  }

  /** Servers heard within staleAfterMs, by name. */
  get servers(): DiscoveredServer[] {
    const freshSince = Date.now() - this.#staleAfterMs;
    return [...this.#servers.values()]
      .filter((server) => server.lastSeen.getTime() > freshSince)
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map((server) => ({ ...server }));
  }

  /** Binds the port; rejects if it cannot (e.g. EADDRINUSE from a socket without reuseAddr). */
  async start(): Promise<void> {
    if (this.#socket !== null) throw new Error('discovery listener already started');
    // reuseAddr lets several tools on one host (CLI, gateway, tests) listen on 5001 at once.
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    this.#socket = socket;
    socket.on('message', (datagram, from) => this.#onDatagram(datagram, from));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.#port, this.#address, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      this.#socket = null;
      socket.close();
      throw error;
    });
    socket.on('error', (error) => this.#report(error));
    // A server is lost at most a quarter of staleAfterMs late (and at most a second).
    const checkEveryMs = Math.max(10, Math.min(1_000, this.#staleAfterMs / 4));
    this.#expiryTimer = setInterval(() => this.#expire(), checkEveryMs);
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    if (this.#socket === null) throw new Error('discovery listener is not started');
    return this.#socket.address().port;
  }

  /** Stops listening; no events follow. Safe to call twice. */
  close(): void {
    if (this.#expiryTimer !== null) clearInterval(this.#expiryTimer);
    this.#expiryTimer = null;
    this.#socket?.close();
    this.#socket = null;
  }

  #onDatagram(datagram: Buffer, from: RemoteInfo): void {
    let announcement: Announcement;
    try {
      announcement = decodeAnnouncement(datagram);
    } catch (error) {
      this.#report(new MalformedAnnouncementError(from.address, from.port, error as Error));
      return;
    }
    const {
      serverId: id,
      name,
      protocolVersion,
      controlHost,
      controlPort,
      fingerprint256,
    } = announcement;
    const server: DiscoveredServer = {
      id,
      name,
      protocolVersion,
      controlHost,
      controlPort,
      ...(fingerprint256 === undefined ? {} : { fingerprint256 }),
      address: from.address,
      lastSeen: new Date(),
    };
    const known = this.#servers.get(id);
    this.#servers.set(id, server);
    if (known === undefined) this.emit('server', { ...server });
    else if (changed(known, server)) this.emit('update', { ...server });
  }

  #expire(): void {
    const freshSince = Date.now() - this.#staleAfterMs;
    for (const [id, server] of this.#servers) {
      if (server.lastSeen.getTime() > freshSince) continue;
      this.#servers.delete(id);
      this.emit('lost', { ...server });
    }
  }

  #report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

function changed(before: DiscoveredServer, after: DiscoveredServer): boolean {
  return (
    before.name !== after.name ||
    before.protocolVersion !== after.protocolVersion ||
    before.controlHost !== after.controlHost ||
    before.controlPort !== after.controlPort ||
    before.fingerprint256 !== after.fingerprint256 ||
    before.address !== after.address
  );
}

/** How long discover() listens. */
export interface DiscoverOptions extends DiscoveryListenerOptions {
  /** How long to listen (6 s by default: a little more than one announcement interval). */
  timeoutMs?: number;
  /**
   * Stop this long after the first server is heard rather than at timeoutMs: for a client that
   * wants a server now. Servers announce at the same interval, so most are heard together.
   */
  settleMs?: number;
}

/** Listens for timeoutMs and returns every server heard, by name. */
export async function discover(options: DiscoverOptions = {}): Promise<DiscoveredServer[]> {
  const timeoutMs = options.timeoutMs ?? DISCOVERY_INTERVAL_MS + 1_000;
  // A server heard at the start of a long listen still counts at the end.
  const staleAfterMs = Math.max(options.staleAfterMs ?? DISCOVERY_EXPIRY_MS, timeoutMs);
  const listener = new DiscoveryListener({ ...options, staleAfterMs });
  await listener.start();
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const settleMs = options.settleMs;
      if (settleMs === undefined) return;
      listener.once('server', () => {
        clearTimeout(timer);
        setTimeout(resolve, settleMs);
      });
    });
    return listener.servers;
  } finally {
    listener.close();
  }
}
