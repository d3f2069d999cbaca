import 'reflect-metadata';
import { AddressInfo, Server } from 'node:net';
import { availableParallelism } from 'node:os';
import {
  BeforeApplicationShutdown,
  DynamicModule,
  INestApplication,
  INestApplicationContext,
  InjectionToken,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Provider,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { ClassConstructor } from 'class-transformer';
import {
  Redis,
  REDIS,
  RedisLink,
  redisProviders,
  redisTransportOptions,
} from '@sapora/coordination';
import { MediaKind } from '@sapora/protocol';
import { CommonConfig, TcpServiceConfig } from '../config/common-config';
import { ConfigError, loadConfig } from '../config/load-config';
import { planWorkers, WorkerPlan, WorkerSettings } from '../config/worker-plan';
import { runService } from '../lifecycle/run-service';
import {
  superviseWorkers,
  WORKER_COUNT_ENV,
  WORKER_INDEX_ENV,
} from '../lifecycle/worker-supervisor';
import { createLogger, Logger, LOGGER } from '../logging/logger';
import { NestPinoLogger } from '../logging/nest-pino-logger';
import { FramedProtocol, FramedServiceEdge } from '../tcp/framed-service-edge';
import { loadServiceIdentity, ServiceIdentity } from '../tls/service-identity';
import { DatagramEdge, DatagramHandler } from '../udp/datagram-edge';
import { UdpEndpointOptions } from '../udp/udp-endpoint';
import { askHealth, HealthCheck, HealthEndpoint, healthSocketPath } from './health';
import { MediaNode, NodeEndpoint, NodeLoadSource, PublicAddress } from './media-node';
import { HttpEdge } from './http-edge';
import { MEMBERSHIP_LISTENER, MembershipEventsController } from './membership-events.controller';

/** A framed TCP edge: the protocol provider and where to listen. */
export interface TcpEdgeSpec<C> {
  tcp: Type<FramedProtocol<unknown>>;
  listen: (config: C) => { host: string; port: number };
}

/** A datagram edge: the handler provider and where to listen. */
export interface UdpEdgeSpec<C> {
  udp: Type<DatagramHandler>;
  listen: (config: C) => UdpEndpointOptions;
}

/**
 * An HTTP(S) edge: the service is a Nest HTTP application (controllers, WebSocket gateways) on
 * one port. It hears no Redis events.
 */
export interface HttpEdgeSpec<C> {
  http: {
    listen: (config: C) => { host: string; port: number };
    /** The key and certificate to serve HTTPS with, made or read before the app (null: HTTP). */
    tls?: (config: C, logger: Logger) => Promise<{ key: string; cert: string } | null>;
    /** Sets up the application before it listens, e.g. its WebSocket adapter. */
    configure?: (app: INestApplication, config: C) => void;
  };
}

/** Something a service checks about itself for `--health`: null when fine, else the problem. */
export interface HealthIndicator {
  healthProblem(): string | null;
}

/**
 * Everything that makes one Sapora service. The shell builds the Nest application from it: the
 * validated config, the pino logger, Redis connections (commands, and BullMQ's when asked), the
 * Redis event transport when the service hears other services, the edge that meets the wire,
 * the membership listener, health, and the SIGTERM/SIGINT shutdown.
 *
 * Providers own their start and stop: they start in onModuleInit, the edge starts listening in
 * onApplicationBootstrap (after every provider is up), the edge stops in onModuleDestroy, other
 * providers stop in beforeApplicationShutdown, and Redis is quit last.
 */
export interface ServiceSpec<C extends CommonConfig> {
  /** "control", "audio", ...: log lines, health socket. */
  name: string;
  config: ClassConstructor<C>;
  /** Checks that relate two variables; throws ConfigError. */
  check?: (config: C) => void;
  /** Redis use: a command connection always, a BullMQ one when `bullMq`. Absent: no Redis. */
  redis?: { bullMq?: boolean };
  /** Hears other services over the Redis event transport (implied by a membership listener). */
  events?: boolean;
  edge?: TcpEdgeSpec<C> | UdpEdgeSpec<C> | HttpEdgeSpec<C>;
  /** Without an edge: the number that names this instance's health socket (e.g. its port). */
  instancePort?: (config: C) => number;
  providers?: (config: C, logger: Logger) => Provider[];
  /** Controllers of Redis events; of an HTTP edge's service, its HTTP controllers. */
  controllers?: Type<unknown>[];
  /** The provider told of every membership event (joined, left, timed out, updated). */
  membership?: InjectionToken;
  /** Providers whose healthProblem() is asked too. */
  health?: InjectionToken[];
  /**
   * A media service: each instance registers as a node of this kind, which control places rooms
   * on (DESIGN §10). `load` is the provider that counts its rooms and participants.
   */
  node?: {
    kind: MediaKind;
    capacity: (config: C) => number;
    publicAddress: (config: C) => PublicAddress;
    load: InjectionToken;
  };
  /**
   * A media service that can run as several worker processes, each its own node on its own
   * port (PROTOCOL §16 "Workers"); `main` then supervises them. In-process starts (tests) are
   * always one worker.
   */
  workers?: (config: C) => WorkerSettings;
}

export interface RunningService<C> {
  app: INestApplicationContext;
  config: C;
  logger: Logger;
  /** Where the edge listens (null for a service without one). */
  address: AddressInfo;
  /** Closes it as SIGTERM would. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Use this logger instead of one made from LOG_LEVEL (tests pass a silent one). */
  logger?: Logger;
  /** This process is worker `index` of `count` under a supervisor. */
  worker?: { index: number; count: number };
}

export interface SaporaService<C> {
  readonly name: string;
  /** Builds and starts the service from environment-style variables. */
  start(
    env?: Record<string, string | undefined>,
    options?: StartOptions,
  ): Promise<RunningService<C>>;
  /** The process entry point: runs the service, or answers `--health` for the one running here. */
  main(argv?: string[]): void;
}

/** Nest token of a TCP service's TLS identity (ServiceIdentity). */
export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');

/** Nest token of what the shell knows about the Redis event transport's connection. */
const TRANSPORT_STATE = Symbol('TRANSPORT_STATE');
interface TransportState {
  status: string;
}

/**
 * Starts the edge listening once every provider is up (and registers the media node, which
 * needs the bound port), and closes it first at shutdown, after draining the node's rooms.
 */
class EdgeLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly edge: FramedServiceEdge<unknown> | DatagramEdge,
    private readonly node: MediaNode | null,
    private readonly graceMs: number,
    private readonly worker: StartOptions['worker'],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const bound = await this.edge.listen();
    await this.node?.start(bound, this.worker);
  }

  async onModuleDestroy(): Promise<void> {
    await this.node?.drain(this.graceMs);
    await this.edge.close();
    await this.node?.stop();
  }
}

class HealthLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly endpoint: HealthEndpoint,
    private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.endpoint.listen(this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.endpoint.close();
  }
}

type AnyEdge = FramedServiceEdge<unknown> | DatagramEdge | HttpEdge;

function edgeOf<C extends CommonConfig>(spec: ServiceSpec<C>): InjectionToken | null {
  if (spec.edge === undefined) return null;
  if ('http' in spec.edge) return HttpEdge;
  return 'tcp' in spec.edge ? FramedServiceEdge : DatagramEdge;
}

function edgeProviders<C extends CommonConfig>(
  spec: ServiceSpec<C>,
  config: C,
  secure: boolean,
): Provider[] {
  const edge = spec.edge;
  if (edge === undefined) return [];
  if ('http' in edge) return [{ provide: HttpEdge, useValue: new HttpEdge(secure) }];
  if ('tcp' in edge) {
    const tcpConfig = config as unknown as TcpServiceConfig;
    return [
      edge.tcp,
      {
        provide: SERVICE_IDENTITY,
        inject: spec.redis === undefined ? [] : [REDIS],
        useFactory: (redis?: Redis) =>
          loadServiceIdentity({
            certPath: tcpConfig.TLS_CERT,
            keyPath: tcpConfig.TLS_KEY,
            redis,
          }),
      },
      {
        provide: FramedServiceEdge,
        inject: [edge.tcp, LOGGER, SERVICE_IDENTITY],
        useFactory: (
          protocol: FramedProtocol<unknown>,
          logger: Logger,
          identity: ServiceIdentity,
        ) =>
          new FramedServiceEdge(
            {
              name: spec.name,
              ...edge.listen(config),
              incompleteFrameTimeoutMs: tcpConfig.INCOMPLETE_FRAME_TIMEOUT_MS,
              maxSendBufferBytes: tcpConfig.MAX_SEND_BUFFER_BYTES,
              shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
              security: {
                tls: identity,
                allowPlaintext: tcpConfig.SAPORA_ALLOW_PLAINTEXT === '1',
                handshakeTimeoutMs: tcpConfig.TLS_HANDSHAKE_TIMEOUT_MS,
              },
              fingerprint256: identity.fingerprint256,
            },
            protocol,
            logger,
          ),
      },
    ];
  }
  return [
    edge.udp,
    {
      provide: DatagramEdge,
      inject: [edge.udp, LOGGER],
      useFactory: (handler: DatagramHandler, logger: Logger) => {
        const datagrams = new DatagramEdge(spec.name, edge.listen(config), handler, logger);
        handler.attach?.(datagrams);
        return datagrams;
      },
    },
  ];
}

function healthProvider<C extends CommonConfig>(spec: ServiceSpec<C>, config: C): Provider {
  const edgeToken = edgeOf(spec);
  const inject: InjectionToken[] = [LOGGER, TRANSPORT_STATE];
  if (edgeToken !== null) inject.push(edgeToken);
  if (spec.redis !== undefined) inject.push(RedisLink);
  inject.push(...(spec.health ?? []));
  return {
    provide: HealthLifecycle,
    inject,
    useFactory: (logger: Logger, transport: TransportState, ...rest: unknown[]) => {
      const checks: HealthCheck[] = [];
      let edge: AnyEdge | null = null;
      if (edgeToken !== null) {
        edge = rest.shift() as AnyEdge;
        const listening = edge;
        checks.push(() => (listening.listening ? null : 'not listening'));
      }
      if (spec.redis !== undefined) {
        const link = rest.shift() as RedisLink;
        checks.push(() => (link.ready ? null : `Redis ${link.status}`));
      }
      checks.push(() =>
        transport.status === 'connected' ? null : `Redis events ${transport.status}`,
      );
      for (const indicator of rest as HealthIndicator[])
        checks.push(() => indicator.healthProblem());
      const port = edge !== null ? listenPort(spec, config) : (spec.instancePort?.(config) ?? 0);
      const path = healthSocketPath(spec.name, port, config.HEALTH_SOCKET);
      const describe = (): string => {
        const where =
          edge?.listening === true
            ? `listening on ${edge.address.address}:${edge.address.port}`
            : 'running';
        return spec.redis !== undefined ? `${where}, Redis ready` : where;
      };
      return new HealthLifecycle(new HealthEndpoint(spec.name, path, checks, describe), logger);
    },
  };
}

function listenPort<C extends CommonConfig>(spec: ServiceSpec<C>, config: C): number {
  if (spec.edge === undefined) return 0;
  return ('http' in spec.edge ? spec.edge.http : spec.edge).listen(config).port;
}

function serviceModule<C extends CommonConfig>(
  spec: ServiceSpec<C>,
  config: C,
  logger: Logger,
  transport: TransportState,
  secure: boolean,
  worker?: StartOptions['worker'],
): DynamicModule {
  @Module({})
  class ServiceModule {}
  const edgeToken = edgeOf(spec);
  const providers: Provider[] = [
    { provide: spec.config, useValue: config },
    { provide: LOGGER, useValue: logger },
    { provide: TRANSPORT_STATE, useValue: transport },
    ...(spec.redis !== undefined
      ? redisProviders(config.REDIS_URL, `sapora-${spec.name}`, { bullMq: spec.redis.bullMq })
      : []),
    ...edgeProviders(spec, config, secure),
    ...(spec.providers?.(config, logger) ?? []),
  ];
  const node = spec.node;
  if (node !== undefined)
    providers.push(NodeEndpoint, {
      provide: MediaNode,
      inject: [REDIS, node.load, NodeEndpoint],
      useFactory: (redis: Redis, load: NodeLoadSource, endpoint: NodeEndpoint) =>
        new MediaNode({
          endpoint,
          kind: node.kind,
          redis,
          capacity: node.capacity(config),
          configured: node.publicAddress(config),
          mediaPublicHost: config.MEDIA_PUBLIC_HOST,
          load,
          logger,
        }),
    });
  if (edgeToken !== null && edgeToken !== HttpEdge)
    providers.push({
      provide: EdgeLifecycle,
      inject: node === undefined ? [edgeToken] : [edgeToken, MediaNode],
      useFactory: (edge: FramedServiceEdge<unknown> | DatagramEdge, mediaNode?: MediaNode) =>
        new EdgeLifecycle(edge, mediaNode ?? null, config.SHUTDOWN_GRACE_MS, worker),
    });
  if (spec.membership !== undefined)
    providers.push({ provide: MEMBERSHIP_LISTENER, useExisting: spec.membership });
  // Health is only worth a socket for a service with a fixed port (tests use port 0).
  const port = spec.edge !== undefined ? listenPort(spec, config) : spec.instancePort?.(config);
  if (port !== 0 || (config.HEALTH_SOCKET ?? '') !== '')
    providers.push(healthProvider(spec, config));
  const controllers = [...(spec.controllers ?? [])];
  if (spec.membership !== undefined) controllers.push(MembershipEventsController);
  return { module: ServiceModule, providers, controllers };
}

function hearsEvents<C extends CommonConfig>(spec: ServiceSpec<C>): boolean {
  return (
    spec.events === true || spec.membership !== undefined || (spec.controllers ?? []).length > 0
  );
}

/** Builds, starts and listens an HTTP(S) service's Nest application. */
async function startHttp<C extends CommonConfig>(
  spec: ServiceSpec<C>,
  http: HttpEdgeSpec<C>['http'],
  config: C,
  logger: Logger,
  transport: TransportState,
): Promise<INestApplication> {
  const tls = (await http.tls?.(config, logger)) ?? null;
  const app = await NestFactory.create(
    serviceModule(spec, config, logger, transport, tls !== null),
    {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
      ...(tls === null ? {} : { httpsOptions: tls }),
    },
  );
  http.configure?.(app, config);
  const { host, port } = http.listen(config);
  await app.listen(port, host);
  const edge = app.get(HttpEdge);
  const server = app.getHttpServer() as Server;
  edge.listened(server.address() as AddressInfo);
  server.once('close', () => edge.closed());
  const { address } = edge;
  logger.info(
    { url: edge.url },
    `${spec.name} listening on ${address.address}:${address.port} (TCP, ${tls === null ? 'HTTP' : 'HTTPS'})`,
  );
  return app;
}

/** Defines a Sapora service; see ServiceSpec. */
export function defineService<C extends CommonConfig>(spec: ServiceSpec<C>): SaporaService<C> {
  // An HTTP service's controllers are HTTP controllers; it has no event transport.
  if (
    spec.edge !== undefined &&
    'http' in spec.edge &&
    (spec.events === true || spec.membership !== undefined)
  )
    throw new Error(`${spec.name}: an HTTP service hears no Redis events`);
  const loadChecked = (env: Record<string, string | undefined>): C => {
    const config = loadConfig(spec.config, env);
    spec.check?.(config);
    workerPlan(config);
    return config;
  };
  // One worker unless the service has workers; the count's default is this host's cores.
  const workerPlan = (config: C): WorkerPlan | null =>
    spec.workers === undefined ? null : planWorkers(spec.workers(config), availableParallelism());
  /** Worker i > 0's own health socket, when one is configured for the service. */
  const healthSocketOf = (config: C, index: number): string | undefined =>
    index > 0 && (config.HEALTH_SOCKET ?? '') !== ''
      ? `${config.HEALTH_SOCKET}.w${index}`
      : config.HEALTH_SOCKET;

  const start = async (
    env: Record<string, string | undefined> = process.env,
    options: StartOptions = {},
  ): Promise<RunningService<C>> => {
    const config = loadChecked(env);
    const base =
      options.logger ??
      createLogger(spec.name, { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
    const { worker } = options;
    const logger = worker === undefined ? base : base.child({ worker: worker.index });
    // Without the event transport there is nothing to be disconnected from.
    const transport: TransportState = { status: 'connected' };
    const nestOptions = { logger: new NestPinoLogger(logger), abortOnError: false };
    let app: INestApplicationContext;
    if (spec.edge !== undefined && 'http' in spec.edge) {
      app = await startHttp(spec, spec.edge.http, config, logger, transport);
    } else if (hearsEvents(spec)) {
      const module = serviceModule(spec, config, logger, transport, false, worker);
      transport.status = 'connecting';
      const microservice = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
        ...redisTransportOptions(config.REDIS_URL),
        ...nestOptions,
      });
      microservice.status.subscribe((status) => {
        transport.status = String(status);
      });
      await microservice.listen();
      app = microservice;
    } else {
      const module = serviceModule(spec, config, logger, transport, false, worker);
      app = await NestFactory.createApplicationContext(module, nestOptions);
    }
    const edgeToken = edgeOf(spec);
    const edge = edgeToken === null ? null : app.get<AnyEdge>(edgeToken);
    return {
      app,
      config,
      logger,
      get address(): AddressInfo {
        if (edge === null) throw new Error(`${spec.name} has no listening edge`);
        return edge.address;
      },
      close: () => app.close(),
    };
  };

  const health = async (): Promise<void> => {
    let config: C;
    try {
      config = loadChecked(process.env);
    } catch (error) {
      process.stderr.write(`${spec.name}: ${(error as Error).message}\n`);
      process.exit(78);
    }
    const port =
      spec.edge !== undefined ? listenPort(spec, config) : (spec.instancePort?.(config) ?? 0);
    // With workers, each answers on its own socket, and all of them must be healthy.
    const plan = workerPlan(config);
    const count = plan?.count ?? 1;
    const details: string[] = [];
    let healthy = true;
    for (let index = 0; index < count; index++) {
      const path = healthSocketPath(
        spec.name,
        plan?.portOf(index) ?? port,
        healthSocketOf(config, index),
      );
      const report = await askHealth(path, 5_000);
      healthy &&= report?.healthy === true;
      const detail = report?.detail ?? `no ${spec.name} answers on ${path}`;
      details.push(count === 1 ? detail : `worker ${index}: ${detail}`);
    }
    process.stdout.write(
      `${spec.name} ${healthy ? 'healthy' : 'unhealthy'}: ${details.join('; ')}\n`,
    );
    process.exit(healthy ? 0 : 1);
  };

  /** main() of a service with workers: one process as before, or a supervisor of several. */
  const supervise = (plan: WorkerPlan, config: C): void => {
    const logger = createLogger(spec.name, { level: config.LOG_LEVEL, nodeEnv: config.NODE_ENV });
    const host =
      spec.edge !== undefined && !('http' in spec.edge) ? spec.edge.listen(config).host : '';
    superviseWorkers({
      name: spec.name,
      count: plan.count,
      describe: (index) => `${host}:${plan.portOf(index) || 'any port'}`,
      envOf: (index) => {
        const socket = healthSocketOf(config, index);
        return { ...plan.envOf(index), ...(index > 0 && socket ? { HEALTH_SOCKET: socket } : {}) };
      },
      logger,
      script: process.argv[1],
      args: process.argv.slice(2),
    });
  };

  const run = (): void => {
    const index = process.env[WORKER_INDEX_ENV];
    if (spec.workers !== undefined && index !== undefined) {
      // A worker whose supervisor is gone (killed) goes too, as a host that dies would.
      process.once('disconnect', () => process.exit(1));
      const worker = { index: Number(index), count: Number(process.env[WORKER_COUNT_ENV]) };
      void runService(spec.name, () => start(process.env, { worker }));
      return;
    }
    let config: C;
    let plan: WorkerPlan | null;
    try {
      config = loadChecked(process.env);
      plan = workerPlan(config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`${spec.name}: ${error.message}\n`);
      process.exit(78);
    }
    if (plan !== null && plan.count > 1) supervise(plan, config);
    else void runService(spec.name, () => start());
  };

  return {
    name: spec.name,
    start,
    main(argv = process.argv) {
      if (argv.includes('--health')) void health();
      else run();
    },
  };
}
