import { join } from 'node:path';
import { freePort, NodeProcess, runNode, startRedis, TestRedis, waitFor } from '@sapora/testing';

const APPS = join(__dirname, '..', '..', '..');
export const CLI = join(__dirname, '..', '..', 'dist', 'main.js');

type Service = 'control' | 'audio' | 'video' | 'files';
const HOST_VARIABLE: Record<Service, string> = {
  control: 'CONTROL',
  audio: 'AUDIO',
  video: 'VIDEO',
  files: 'FILES',
};

/** Redis and the built services the CLI talks to, each its own process, on free ports. */
export class ServiceStack {
  readonly ports = new Map<Service, number>();
  #redis: TestRedis | null = null;
  readonly #processes: NodeProcess[] = [];

  /** `env` adds variables for every service (e.g. FILES_DIR). */
  async start(services: Service[], env: Record<string, string> = {}): Promise<void> {
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
