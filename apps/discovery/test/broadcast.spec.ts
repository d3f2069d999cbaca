import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@sapora/testing';

/*
 * The built service and a listener from the built client, each in its own network namespace,
 * joined by a veth pair: a real broadcast crossing a link between two hosts, with nothing
 * else on it. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN); without it the test fails, since a
 * skipped test would hide that discovery was never checked.
 */
const MAIN = join(__dirname, '..', 'dist', 'main.js');
const LISTENER = join(__dirname, 'fixtures', 'listen.cjs');
const NS_A = `sapora-d-${process.pid}-a`;
const NS_B = `sapora-d-${process.pid}-b`;
// The namespaces have their own routing tables, so the subnet cannot clash with the host's.
const SUBNET = `10.231.${process.pid % 250}`;
const ADDRESS_A = `${SUBNET}.1`;
const BROADCAST = `${SUBNET}.255`;
const STALE_AFTER_MS = 1_500;
const INTERVAL_MS = 300;

interface ListenerLine {
  event: 'ready' | 'server' | 'update' | 'lost' | 'error' | 'heard';
  server?: Record<string, unknown>;
  message?: string;
}

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`"ip ${args.join(' ')}" failed: ${stderr || (error as Error).message}`);
  }
}

/** A Node script run inside a namespace, with its output collected. */
class NamespacedNode {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #output = '';

  constructor(namespace: string, script: string, env: Record<string, string>) {
    this.child = spawn('ip', ['netns', 'exec', namespace, process.execPath, script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get output(): string {
    return this.#output;
  }

  /** Output lines that are JSON (the listener's events, the service's log). */
  lines<T>(): T[] {
    return this.#output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as T);
  }

  async waitForLine<T>(
    matches: (line: T) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<T> {
    try {
      return await waitFor(() => this.lines<T>().find(matches), { timeoutMs, what });
    } catch (error) {
      throw new Error(`${(error as Error).message}; output so far:\n${this.#output}`);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

describe('discovery across a network link (two network namespaces)', () => {
  const started: NamespacedNode[] = [];

  function run(namespace: string, script: string, env: Record<string, string>): NamespacedNode {
    const process = new NamespacedNode(namespace, script, env);
    started.push(process);
    return process;
  }

  /** The listener's events, without the line it prints for each datagram heard. */
  const events = (listener: NamespacedNode): string[] =>
    listener
      .lines<ListenerLine>()
      .map((line) => line.event)
      .filter((event) => event !== 'heard');
  const heard = (listener: NamespacedNode): number =>
    listener.lines<ListenerLine>().filter((line) => line.event === 'heard').length;

  async function startListener(env: Record<string, string> = {}): Promise<NamespacedNode> {
    const listener = run(NS_B, LISTENER, { STALE_AFTER_MS: String(STALE_AFTER_MS), ...env });
    await listener.waitForLine<ListenerLine>((line) => line.event === 'ready', 'listener ready');
    return listener;
  }

  function removeNamespaces(): void {
    for (const namespace of [NS_A, NS_B]) {
      try {
        ip('netns', 'del', namespace);
      } catch {
        // Not there (never made, or already gone).
      }
    }
  }

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npx nx run discovery:build"`);
    removeNamespaces();
    try {
      ip('netns', 'add', NS_A);
      ip('netns', 'add', NS_B);
      ip(
        'link',
        'add',
        `sd${process.pid}a`,
        'netns',
        NS_A,
        'type',
        'veth',
        'peer',
        'name',
        `sd${process.pid}b`,
        'netns',
        NS_B,
      );
      ip('-n', NS_A, 'addr', 'add', `${ADDRESS_A}/24`, 'dev', `sd${process.pid}a`);
      ip('-n', NS_B, 'addr', 'add', `${SUBNET}.2/24`, 'dev', `sd${process.pid}b`);
      for (const [namespace, device] of [
        [NS_A, `sd${process.pid}a`],
        [NS_B, `sd${process.pid}b`],
      ]) {
        ip('-n', namespace, 'link', 'set', 'lo', 'up');
        ip('-n', namespace, 'link', 'set', device, 'up');
      }
    } catch (error) {
      throw new Error(
        `this test needs network namespaces (root with CAP_SYS_ADMIN and CAP_NET_ADMIN, e.g. a ` +
          `privileged container) and could not make them: ${(error as Error).message}`,
      );
    }
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((process) => process.stop('SIGKILL')));
  });

  afterAll(() => removeNamespaces());

  it('announces the configured server to the other host, which loses it once it stops', async () => {
    const port = '5999';
    const listener = await startListener({ DISCOVERY_PORT: port });
    const service = run(NS_A, MAIN, {
      NODE_ENV: 'production',
      DISCOVERY_PORT: port,
      DISCOVERY_INTERVAL_MS: String(INTERVAL_MS),
      // The limited broadcast has no route in a namespace without a default route: the
      // service must log that once and keep announcing on the link.
      DISCOVERY_BROADCAST: `${BROADCAST},255.255.255.255`,
      SERVER_NAME: 'Aula Magna – 2. OG',
      CONTROL_PUBLIC_HOST: 'sapora.example',
      CONTROL_PUBLIC_PORT: '7000',
    });

    const { server } = await listener.waitForLine<ListenerLine>(
      (line) => line.event === 'server',
      'the announcement',
    );
    expect(server).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Aula Magna – 2. OG',
      protocolVersion: 1,
      controlHost: 'sapora.example',
      controlPort: 7000,
      address: ADDRESS_A,
      lastSeen: expect.any(String),
    });

    // Four more announcements later: still running, the failing address logged once, nothing
    // lost.
    const heardFirst = heard(listener);
    await waitFor(() => heard(listener) >= heardFirst + 4, {
      timeoutMs: 15_000,
      what: 'four more announcements',
    });
    await service.waitForLine<{ target?: string }>(
      (line) => line.target === '255.255.255.255',
      'the failing address logged',
    );
    expect(service.child.exitCode).toBeNull();
    const logged = service.lines<{ level: number; msg: string; target?: string }>();
    expect(logged.filter((line) => line.target === '255.255.255.255')).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/ENETUNREACH/) }),
    ]);
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
    expect(events(listener)).toEqual(['ready', 'server']);

    expect(await service.stop('SIGTERM')).toBe(0);
    const stoppedAt = Date.now();
    const { server: lost } = await listener.waitForLine<ListenerLine>(
      (line) => line.event === 'lost',
      'the server to be lost',
    );
    expect(lost).toMatchObject({ id: server!.id, name: 'Aula Magna – 2. OG' });
    // Lost by going quiet, not at once (the last announcement was up to an interval earlier).
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(STALE_AFTER_MS / 2);
    expect(events(listener)).toEqual(['ready', 'server', 'lost']);
  }, 60_000);

  it('announces its own LAN address on its subnet when neither is configured', async () => {
    const listener = await startListener();
    const service = run(NS_A, MAIN, {
      NODE_ENV: 'production',
      DISCOVERY_INTERVAL_MS: String(INTERVAL_MS),
    });

    const { server } = await listener.waitForLine<ListenerLine>(
      (line) => line.event === 'server',
      'the announcement',
    );
    expect(server).toMatchObject({
      name: hostname(),
      protocolVersion: 1,
      controlHost: ADDRESS_A,
      controlPort: 5000,
      address: ADDRESS_A,
    });
    // The log line may reach us after the datagram did: wait for it rather than look once.
    const plan = `control ${ADDRESS_A}:5000 to ${BROADCAST}, UDP 5001`;
    const logged = await service.waitForLine<{ msg?: string }>(
      (line) => line.msg?.includes(plan) === true,
      'the announcement plan in the log',
    );
    expect(logged.msg).toContain(plan);
  }, 60_000);
});
