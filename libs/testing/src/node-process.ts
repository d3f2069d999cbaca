import { ChildProcess, spawn } from 'node:child_process';

/** A Node script run as its own process, with everything it prints collected. */
export interface NodeProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `node script ...args` with only PATH from this environment plus `env`. */
export function runNode(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): NodeProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
}
