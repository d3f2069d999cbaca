import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** A built service run as its own process, exactly as its container runs it. */
export interface ServiceProcess {
  stop(): Promise<void>;
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

/** Starts apps/<app>/dist/main.js and waits until it accepts TCP connections on port. */
export async function startServiceProcess(
  app: string,
  port: number,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const main = join(ROOT, 'apps', app, 'dist', 'main.js');
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const state: { exitCode: number | null } = { exitCode: null };
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      state.exitCode = code;
      resolve();
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (state.exitCode !== null) throw new Error(`${app} exited with ${state.exitCode} before listening`);
    if (Date.now() > deadline) throw new Error(`${app} did not listen on ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    async stop(): Promise<void> {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
