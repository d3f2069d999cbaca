import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..', '..');

/** A built service run as its own process, exactly as its container runs it. */
export interface ServiceProcess {
  stop(): Promise<void>;
}

export interface ReadyWhen {
  /** Ready once this TCP port accepts connections... */
  tcpPort?: number;
  /** ...or once the service prints a line matching this. */
  line?: RegExp;
  /** Every line the service prints on stdout. */
  onLine?: (line: string) => void;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts apps/<app>/dist/main.js and waits until it is ready. */
export async function startServiceProcess(
  app: string,
  env: Record<string, string>,
  ready: ReadyWhen,
): Promise<ServiceProcess> {
  const main = join(ROOT, 'apps', app, 'dist', 'main.js');
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const state: { exitCode: number | null; sawReadyLine: boolean } = {
    exitCode: null,
    sawReadyLine: false,
  };
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      state.exitCode = code;
      resolve();
    }),
  );
  if (child.stdout !== null) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (ready.line?.test(line)) state.sawReadyLine = true;
      ready.onLine?.(line);
    });
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (ready.tcpPort !== undefined ? await accepts(ready.tcpPort) : state.sawReadyLine) break;
    if (state.exitCode !== null)
      throw new Error(`${app} exited with ${state.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error(`${app} was not ready within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    async stop(): Promise<void> {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A built TCP service (control, files, screen) on loopback at `port`, logging only warnings. */
export function startTcpService(
  app: string,
  redisUrl: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const prefix = app.toUpperCase();
  return startServiceProcess(
    app,
    {
      REDIS_URL: redisUrl,
      [`${prefix}_HOST`]: '127.0.0.1',
      [`${prefix}_PORT`]: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    { tcpPort: port },
  );
}
