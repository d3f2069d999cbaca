import { existsSync, unlinkSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from 'pino';

/** Where a service answers health questions: a Unix socket only this host can reach. */
export function healthSocketPath(service: string, port: number, configured?: string): string {
  return configured !== undefined && configured !== ''
    ? configured
    : join(tmpdir(), `sapora-${service}-${port}.health`);
}

/** One check of a running service: null when fine, else what is wrong. */
export type HealthCheck = () => string | null;

export interface HealthReport {
  service: string;
  healthy: boolean;
  /** What is wrong, or what is fine ("listening on 0.0.0.0:5000, Redis ready"). */
  detail: string;
}

/**
 * Serves a running service's health on its socket: GET / answers 200 with a HealthReport when
 * every check passes, 503 otherwise. `--health` (and a container's HEALTHCHECK) asks it.
 */
export class HealthEndpoint {
  readonly #server: Server;
  readonly #path: string;
  #listening = false;

  constructor(service: string, path: string, checks: HealthCheck[], describe: () => string) {
    this.#path = path;
    this.#server = createServer((_request, response) => {
      const problems = checks.map((check) => check()).filter((problem) => problem !== null);
      const report: HealthReport = {
        service,
        healthy: problems.length === 0,
        detail: problems.length === 0 ? describe() : problems.join('; '),
      };
      response.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify(report));
    });
  }

  /**
   * Listens on the socket. One left behind by a process that died is replaced; one another live
   * instance is serving (two on one host, in tests) is left alone, and health goes unreported.
   */
  async listen(logger: Logger): Promise<void> {
    if (existsSync(this.#path)) {
      if ((await askHealth(this.#path, 1_000)) !== null) {
        logger.warn({ path: this.#path }, 'another instance answers health on this socket');
        return;
      }
      unlinkSync(this.#path);
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#path, () => resolve());
    });
    this.#listening = true;
  }

  async close(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Asks the service on this socket how it is; null when nothing answers. */
export function askHealth(path: string, timeoutMs: number): Promise<HealthReport | null> {
  return new Promise((resolve) => {
    const asking = request({ socketPath: path, path: '/', timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(body) as HealthReport);
        } catch {
          resolve(null);
        }
      });
    });
    asking.on('timeout', () => asking.destroy());
    asking.on('error', () => resolve(null));
    asking.end();
  });
}
