import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Node script run as its own process, with everything it prints collected. */
export interface NodeProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Runs `node script ...args` with only PATH from this environment plus `env`. SAPORA_HOME is a
 * fresh directory unless given: the CLI's remembered server keys (and meeting tokens) must not
 * leak from one test's servers to another's that reuses a port.
 */
export function runNode(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): NodeProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      SAPORA_HOME: mkdtempSync(join(tmpdir(), 'sapora-home-')),
      ...env,
    },
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
