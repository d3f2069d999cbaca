import { AddressInfo } from 'node:net';
import { NodeLoad, NodeRegistry, Redis } from '@sapora/coordination';
import { MediaKind } from '@sapora/protocol';
import { Logger } from 'pino';

/**
 * This node's id and where clients reach it, once registered: for providers that record where
 * something lives (the file service, with each file). Depends on nothing, so anyone may inject it.
 */
export class NodeEndpoint {
  current: { nodeId: string; host: string; port: number } | null = null;
}

/** What a media service tells of its load at each renewal. */
export interface NodeLoadSource {
  nodeLoad(): { rooms: number; participants: number };
}

/** Where clients reach this node, as configured (`<KIND>_PUBLIC_HOST` / `_PORT`). */
export interface PublicAddress {
  host?: string;
  port?: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The address a node announces: its own public setting, else MEDIA_PUBLIC_HOST, else the
 * address it is bound to, unless that is a wildcard; then '' (clients use the host they reached
 * control at, which is right when all services share one host, as `npm start` and compose run
 * them). The port defaults to the bound one.
 */
export function announcedAddress(
  configured: PublicAddress,
  mediaPublicHost: string | undefined,
  bound: AddressInfo,
): { host: string; port: number } {
  const host =
    configured.host ?? mediaPublicHost ?? (WILDCARDS.has(bound.address) ? '' : bound.address);
  return { host, port: configured.port ?? bound.port };
}

/** The share of one core this process used since the last call, in percent. */
function cpuMeter(): () => number {
  let last = process.cpuUsage();
  let lastAt = performance.now();
  return () => {
    const usage = process.cpuUsage(last);
    const now = performance.now();
    const percent = ((usage.user + usage.system) / 1000 / Math.max(now - lastAt, 1)) * 100;
    last = process.cpuUsage();
    lastAt = now;
    return Math.round(percent * 10) / 10;
  };
}

/**
 * A media service as one node of its kind: registered once its edge listens, renewed with its
 * load, drained at shutdown (it takes no new rooms, and waits while control moves its rooms
 * and their clients elsewhere), then removed.
 */
export class MediaNode {
  readonly #kind: MediaKind;
  readonly #redis: Redis;
  readonly #capacity: number;
  readonly #configured: PublicAddress;
  readonly #mediaPublicHost: string | undefined;
  readonly #load: NodeLoadSource;
  readonly #endpoint: NodeEndpoint;
  readonly #logger: Logger;
  #registry: NodeRegistry | null = null;

  constructor(options: {
    kind: MediaKind;
    redis: Redis;
    capacity: number;
    configured: PublicAddress;
    mediaPublicHost: string | undefined;
    load: NodeLoadSource;
    endpoint: NodeEndpoint;
    logger: Logger;
  }) {
    this.#kind = options.kind;
    this.#redis = options.redis;
    this.#capacity = options.capacity;
    this.#configured = options.configured;
    this.#mediaPublicHost = options.mediaPublicHost;
    this.#load = options.load;
    this.#endpoint = options.endpoint;
    this.#logger = options.logger;
  }

  /** Registers the node; `worker` says which worker process of the service this is. */
  async start(bound: AddressInfo, worker?: { index: number; count: number }): Promise<void> {
    const address = announcedAddress(this.#configured, this.#mediaPublicHost, bound);
    const cpu = cpuMeter();
    const registry = new NodeRegistry(
      this.#redis,
      { kind: this.#kind, ...address, capacity: this.#capacity },
      (): NodeLoad => ({ ...this.#load.nodeLoad(), cpuPercent: cpu() }),
      (error) => this.#logger.warn({ err: error }, 'could not renew this node’s registration'),
    );
    this.#registry = registry;
    this.#endpoint.current = { nodeId: registry.nodeId, ...address };
    await registry.start();
    this.#logger.info(
      {
        nodeId: registry.nodeId,
        kind: this.#kind,
        host: address.host,
        port: address.port,
        capacity: this.#capacity,
      },
      `${this.#kind} node ${registry.nodeId} registered (${worker === undefined ? '' : `worker ${worker.index} of ${worker.count}; `}clients reach it at ${address.host || 'the control host'}:${address.port})`,
    );
  }

  /** Takes no new rooms and waits (at most graceMs) for control to move its rooms away. */
  async drain(graceMs: number): Promise<void> {
    const registry = this.#registry;
    if (registry === null) return;
    const rooms = registry.rooms.length;
    await registry.drain(graceMs).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not drain this node');
    });
    this.#logger.info(
      { nodeId: registry.nodeId, rooms, left: registry.rooms.length },
      `${this.#kind} node drained`,
    );
  }

  async stop(): Promise<void> {
    await this.#registry?.stop().catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not remove this node’s registration');
    });
  }
}
