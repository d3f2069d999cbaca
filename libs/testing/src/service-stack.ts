import { join } from 'node:path';
import { freePort } from './free-port';
import { NodeProcess, runNode } from './node-process';
import { startRedis, TestRedis } from './redis-server';
import { waitFor } from './wait-for';

// One level under libs/testing (src/ in tests, dist/ when built): the repository is three up.
const APPS = join(__dirname, '..', '..', '..', 'apps');

export type BuiltService = 'control' | 'audio' | 'video' | 'files' | 'screen';
const HOST_VARIABLE: Record<BuiltService, string> = {
  control: 'CONTROL',
  audio: 'AUDIO',
  video: 'VIDEO',
  files: 'FILES',
  screen: 'SCREEN',
};

/**
 * Redis and built services (apps/<name>/dist/main.js, the command their containers run), each
 * its own process on a free port; a test of one service starts the others it needs this way.
 */
export class ServiceStack {
  readonly ports = new Map<BuiltService, number>();
  /** Process ids, e.g. to read a service's memory from /proc. */
  readonly pids = new Map<BuiltService, number>();
  #redis: TestRedis | null = null;

  get redisUrl(): string {
    if (this.#redis === null) throw new Error('the stack is not started');
    return this.#redis.url;
  }
  readonly #processes: NodeProcess[] = [];

  /** `env` adds variables for every service (e.g. FILES_DIR). */
  async start(services: BuiltService[], env: Record<string, string> = {}): Promise<void> {
    this.#redis = await startRedis();
    for (const service of services) {
      const port = await freePort();
      this.ports.set(service, port);
      const prefix = HOST_VARIABLE[service];
      const process = runNode(join(APPS, service, 'dist', 'main.js'), [], {
        REDIS_URL: this.#redis.url,
        NODE_ENV: 'production',
        [`${prefix}_HOST`]: '127.0.0.1',
        [`${prefix}_PORT`]: String(port),
        ...env,
      });
      this.#processes.push(process);
      if (process.child.pid !== undefined) this.pids.set(service, process.child.pid);
      await waitFor(() => new RegExp(`${service} listening`).test(process.output()), {
        timeoutMs: 10_000,
        what: `${service} to listen`,
      });
    }
  }

  /** --server for the CLI. */
  get server(): string {
    return `127.0.0.1:${this.ports.get('control')}`;
  }

  async stop(): Promise<void> {
    for (const process of this.#processes) {
      process.child.kill('SIGTERM');
      await process.exited;
    }
    await this.#redis?.stop();
  }
}
