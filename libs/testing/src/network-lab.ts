import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitFor } from './wait-for';

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`"ip ${args.join(' ')}" failed: ${stderr || (error as Error).message}`);
  }
}

/** A program run on one of the lab's hosts, with what it prints collected. */
export class LabProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #output = '';

  constructor(child: ChildProcess) {
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => (this.#output += `${line}\n`));
    child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitForOutput(pattern: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
    try {
      await waitFor(() => pattern.test(this.#output) || (!this.running && 'exited'), {
        timeoutMs,
        what,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; output so far:\n${this.#output}`);
    }
    if (!pattern.test(this.#output))
      throw new Error(`exited before ${what} (code ${this.child.exitCode}):\n${this.#output}`);
  }

  /** Sends the signal and waits for the exit code (null when the signal ended it). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Hosts for tests that cross a network: one network namespace per host, each with its own
 * address on one bridge, and this process (the test) on the bridge too, as host `here`. Needs
 * root (CAP_SYS_ADMIN, CAP_NET_ADMIN); without it `create` fails saying so, since a skipped
 * test would hide that the thing was never checked.
 */
export class NetworkLab {
  readonly subnet: string;
  readonly #tag: string;
  readonly #hosts: string[];
  readonly #processes: LabProcess[] = [];

  private constructor(tag: string, subnet: string, hosts: string[]) {
    this.#tag = tag;
    this.subnet = subnet;
    this.#hosts = hosts;
  }

  static create(hosts: string[]): NetworkLab {
    const tag = `${process.pid % 100_000}`;
    // Namespaces have their own routes; only the bridge's subnet appears on this host.
    const lab = new NetworkLab(tag, `10.232.${process.pid % 250}`, hosts);
    lab.destroy();
    try {
      ip('link', 'add', lab.#bridge, 'type', 'bridge');
      ip('addr', 'add', `${lab.address('here')}/24`, 'dev', lab.#bridge);
      ip('link', 'set', lab.#bridge, 'up');
      hosts.forEach((host, i) => {
        const namespace = lab.namespace(host);
        const [outside, inside] = [`sv${tag}${i}a`, `sv${tag}${i}b`];
        ip('netns', 'add', namespace);
        ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', namespace);
        ip('link', 'set', outside, 'master', lab.#bridge);
        ip('link', 'set', outside, 'up');
        ip('-n', namespace, 'addr', 'add', `${lab.address(host)}/24`, 'dev', inside);
        ip('-n', namespace, 'link', 'set', 'lo', 'up');
        ip('-n', namespace, 'link', 'set', inside, 'up');
      });
    } catch (error) {
      lab.destroy();
      throw new Error(
        `this test needs network namespaces (root with CAP_SYS_ADMIN and CAP_NET_ADMIN, e.g. a ` +
          `privileged container) and could not make them: ${(error as Error).message}`,
      );
    }
    return lab;
  }

  get #bridge(): string {
    return `sbr${this.#tag}`;
  }

  namespace(host: string): string {
    return `sapora-lab-${this.#tag}-${host}`;
  }

  /** A host's address on the bridge; `here` is the test's own. */
  address(host: string): string {
    if (host === 'here') return `${this.subnet}.100`;
    const index = this.#hosts.indexOf(host);
    if (index < 0) throw new Error(`no host ${host} in this lab`);
    return `${this.subnet}.${index + 1}`;
  }

  /** Runs a program on a host, with only PATH from this environment plus `env`. */
  run(
    host: string,
    command: string,
    args: string[],
    env: Record<string, string> = {},
    cwd?: string,
  ): LabProcess {
    const child = spawn('ip', ['netns', 'exec', this.namespace(host), command, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    const running = new LabProcess(child);
    this.#processes.push(running);
    return running;
  }

  /** Stops whatever still runs and removes the hosts and the bridge. Safe to call twice. */
  async close(): Promise<void> {
    await Promise.all(this.#processes.splice(0).map((running) => running.stop('SIGKILL')));
    this.destroy();
  }

  destroy(): void {
    for (const host of this.#hosts) {
      try {
        ip('netns', 'del', this.namespace(host));
      } catch {
        // Not there (never made, or already gone).
      }
    }
    try {
      ip('link', 'del', this.#bridge);
    } catch {
      // Not there.
    }
  }
}
