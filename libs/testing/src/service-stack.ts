import { freePort } from './free-port';
import { startRedis, TestRedis } from './redis-server';
import { ServiceProcess, startListeningService } from './service-process';

export type BuiltService = 'control' | 'audio' | 'video' | 'files' | 'screen' | 'gateway';

/**
 * Redis and built services (apps/<name>/dist/main.js, the command their containers run), each
 * its own process on a free port; a test of one service starts the others it needs this way.
 */
export class ServiceStack {
  readonly ports = new Map<BuiltService, number>();
  /** Process ids, e.g. to read a service's memory from /proc. */
  readonly pids = new Map<BuiltService, number>();
  readonly #processes = new Map<BuiltService, ServiceProcess>();
  #redis: TestRedis | null = null;

  get redisUrl(): string {
    return this.#started().url;
  }

  /** `env` adds variables for every service (e.g. FILES_DIR). */
  async start(services: BuiltService[], env: Record<string, string> = {}): Promise<void> {
    this.#redis = await startRedis();
    for (const service of services) {
      const port = await freePort();
      this.ports.set(service, port);
      const running = await startListeningService(service, this.#redis.url, port, {
        ...(service === 'gateway' ? this.#gatewayEnv() : {}),
        ...env,
      });
      this.#processes.set(service, running);
      this.pids.set(service, running.pid);
    }
  }

  /** The gateway reaches the services started before it. */
  #gatewayEnv(): Record<string, string> {
    const at = (service: BuiltService): string | undefined => {
      const port = this.ports.get(service);
      return port === undefined ? undefined : `127.0.0.1:${port}`;
    };
    const env: Record<string, string> = { GATEWAY_CONTROL: at('control') ?? 'none' };
    const files = at('files');
    const screen = at('screen');
    if (files !== undefined) env.GATEWAY_FILES = files;
    if (screen !== undefined) env.GATEWAY_SCREEN = screen;
    return env;
  }

  /** --server for the CLI. */
  get server(): string {
    return `127.0.0.1:${this.ports.get('control')}`;
  }

  /** Everything a service has printed, to read its log lines. */
  output(service: BuiltService): string {
    return this.#processes.get(service)?.output() ?? '';
  }

  /** Services that have exited (crashed, when nobody stopped them). */
  exited(): BuiltService[] {
    return [...this.#processes].filter(([, p]) => p.exitCode !== null).map(([name]) => name);
  }

  /** Stops Redis, runs `whileDown`, and starts an empty Redis on the same port. */
  async restartRedisEmpty(whileDown: () => Promise<void>): Promise<void> {
    await this.#started().restartEmpty(whileDown);
  }

  async stop(): Promise<void> {
    for (const running of this.#processes.values()) await running.stop();
    await this.#redis?.stop();
  }

  #started(): TestRedis {
    if (this.#redis === null) throw new Error('the stack is not started');
    return this.#redis;
  }
}
