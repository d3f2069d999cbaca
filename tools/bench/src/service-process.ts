import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** A built service run as its own process, exactly as its container runs it. */
export interface ServiceProcess {
  stop(): Promise<void>;
}

export async function startServiceProcess(app: string, env: Record<string, string>, readyPattern: RegExp): Promise<ServiceProcess> {
  const main = join(ROOT, 'apps', app, 'dist', 'main.js');
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${app} did not start within 10 s:\n${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code}:\n${output}`)));
  });
  return {
    async stop(): Promise<void> {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
