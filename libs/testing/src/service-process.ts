import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// One level under libs/testing (src/ in tests, dist/ when built): the repository is three up.
const APPS = join(__dirname, '..', '..', '..', 'apps');

/** A built Sapora service run as its own process, exactly as its container runs it. */
export interface ServiceProcess {
  readonly app: string;
  readonly pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** null while it runs. */
  readonly exitCode: number | null;
  readonly exited: Promise<number | null>;
  /** Sends the signal (SIGTERM: a graceful stop) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServiceReadiness {
  /** Ready once it prints a line matching this (default: "<app> listening" or "announcing")... */
  line?: RegExp;
  /** ...or once this TCP port accepts connections (for quiet log levels)... */
  tcpPort?: number;
  /** ...at this address (loopback by default). */
  tcpHost?: string;
  /** Every line the service prints on stdout. */
  onLine?: (line: string) => void;
  timeoutMs?: number;
  /** Run it on these CPUs only (`taskset -c`), e.g. "1" for one core (benchmarks). */
  cpus?: string;
  /** Options for node itself, e.g. `--cpu-prof` (which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}

/** The node options an app is always started with (apps/<app>/node-options), as deployed. */
function appNodeOptions(app: string): string[] {
  const file = join(APPS, app, 'node-options');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `node apps/<app>/dist/main.js` with only PATH from this environment plus `env`, and
 * waits until it is ready. The one way tests and benchmarks run a built service.
 */
export async function startServiceProcess(
  app: string,
  env: Record<string, string>,
  ready: ServiceReadiness = {},
): Promise<ServiceProcess> {
  const main = [
    ...appNodeOptions(app),
    ...(ready.nodeArgs ?? []),
    join(APPS, app, 'dist', 'main.js'),
  ];
  // taskset execs node in its own process, so the pid stays the service's.
  const [command, args] =
    ready.cpus === undefined || ready.cpus === ''
      ? [process.execPath, main]
      : ['taskset', ['-c', ready.cpus, process.execPath, ...main]];
  const child: ChildProcess = spawn(command, args, {
    // One process per media service unless `env` asks for workers: a test or benchmark reaches
    // the service at the one port it gave, and measures that process.
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      AUDIO_WORKERS: '1',
      VIDEO_WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let sawReadyLine = false;
  const readyLine = ready.line ?? new RegExp(`${app} (listening|announcing)`);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output += `${line}\n`;
    if (readyLine.test(line)) sawReadyLine = true;
    ready.onLine?.(line);
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const timeoutMs = ready.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ready.tcpPort !== undefined ? await accepts(ready.tcpPort, ready.tcpHost) : sawReadyLine)
      break;
    if (child.exitCode !== null)
      throw new Error(`${app} exited with ${child.exitCode} before it was ready:\n${output}`);
    if (Date.now() > deadline)
      throw new Error(`${app} was not ready within ${timeoutMs} ms:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    app,
    pid: child.pid!,
    output: () => output,
    get exitCode() {
      return child.exitCode;
    },
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A built service on loopback at `port` (its `<APP>_HOST`/`_PORT`), against `redisUrl`. */
export function startListeningService(
  app: string,
  redisUrl: string,
  port: number,
  env: Record<string, string> = {},
  ready: ServiceReadiness = {},
): Promise<ServiceProcess> {
  const prefix = app.toUpperCase();
  return startServiceProcess(
    app,
    {
      REDIS_URL: redisUrl,
      [`${prefix}_HOST`]: '127.0.0.1',
      [`${prefix}_PORT`]: String(port),
      ...env,
    },
    ready,
  );
}
