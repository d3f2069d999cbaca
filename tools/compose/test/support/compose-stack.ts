import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@sapora/testing';

const ROOT = join(__dirname, '..', '..', '..', '..');
export const SETUP_HOST = join(ROOT, 'tools', 'compose', 'setup-host.sh');
export const SAPORA_COMPOSE = join(ROOT, 'tools', 'compose', 'sapora-compose');

/** Runs a command with its output shown as it goes; rejects naming the command when it fails. */
export function runShown(command: string, args: string[], env = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new Error(`${[command, ...args].join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Runs a command and returns what it printed; rejects with its stderr when it fails. */
export async function runQuiet(
  command: string,
  args: string[],
  env = process.env,
): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args, { env, maxBuffer: 16 << 20 });
  return stdout;
}

/** A UDP port nothing on this host is bound to right now. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '0.0.0.0', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Whether a UDP port can be bound on every interface right now. */
function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '0.0.0.0', () => socket.close(() => resolve(true)));
  });
}

/** `count` consecutive UDP ports nothing is bound to right now, as "first-last". */
export async function freeUdpRange(count: number): Promise<string> {
  for (;;) {
    const first = await freeUdpPort();
    if (first + count - 1 > 65535) continue;
    let free = true;
    for (let port = first + 1; free && port < first + count; port++) free = await udpPortFree(port);
    if (free) return `${first}-${first + count - 1}`;
  }
}

export interface StackPorts {
  control: number;
  files: number;
  screen: number;
  audio: number;
  video: number;
  discovery: number;
}

/**
 * The compose stack of one test run, under its own project name and on free host ports, driven
 * through tools/compose/sapora-compose exactly as a server's owner would.
 */
export class ComposeStack {
  readonly serverName = `compose-e2e-${process.pid}`;
  #env: NodeJS.ProcessEnv = process.env;
  #ports: StackPorts | null = null;
  /** The container command of the engine in use: docker or podman. */
  cli: 'docker' | 'podman' = 'podman';

  constructor(readonly project: string) {}

  get ports(): StackPorts {
    if (this.#ports === null) throw new Error('the stack has no ports yet: call preparePorts()');
    return this.#ports;
  }

  async preparePorts(): Promise<void> {
    this.#ports = {
      control: await freePort('0.0.0.0'),
      files: await freePort('0.0.0.0'),
      screen: await freePort('0.0.0.0'),
      audio: await freeUdpPort(),
      video: await freeUdpPort(),
      discovery: await freeUdpPort(),
    };
    const ports = this.#ports;
    this.#env = {
      ...process.env,
      COMPOSE_PROJECT_NAME: this.project,
      SAPORA_SERVER_NAME: this.serverName,
      SAPORA_CONTROL_PORT: String(ports.control),
      SAPORA_FILES_PORT: String(ports.files),
      SAPORA_SCREEN_PORT: String(ports.screen),
      SAPORA_AUDIO_PORT: String(ports.audio),
      SAPORA_VIDEO_PORT: String(ports.video),
      SAPORA_DISCOVERY_PORT: String(ports.discovery),
      // The workers' ranges move too (they must not meet a stack already on this host's
      // standard ports). One worker each: the join reply names container ports, and this test
      // reaches the mixer and relay at the moved host ports it chose instead.
      SAPORA_AUDIO_WORKERS: '1',
      SAPORA_VIDEO_WORKERS: '1',
      SAPORA_AUDIO_WORKER_PORTS: await freeUdpRange(7),
      SAPORA_VIDEO_WORKER_PORTS: await freeUdpRange(7),
    };
    const engine = (await runQuiet(SAPORA_COMPOSE, ['engine'], this.#env)).trim().split('\n').pop();
    this.cli = engine?.startsWith('docker') ? 'docker' : 'podman';
  }

  /** sapora-compose with this run's project and ports, its output shown. */
  compose(...args: string[]): Promise<void> {
    return runShown(SAPORA_COMPOSE, args, this.#env);
  }

  /** A service's log as its container wrote it (stdout and stderr). */
  async logs(service: string): Promise<string> {
    const { stdout, stderr } = await promisify(execFile)(SAPORA_COMPOSE, ['logs', service], {
      env: this.#env,
      maxBuffer: 64 << 20,
    });
    return stdout + stderr;
  }

  /** What the engine still holds of this project: containers, volumes, networks. */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${this.project}`;
    const list = async (args: string[]): Promise<string[]> =>
      (await runQuiet(this.cli, args)).split('\n').filter((line) => line.trim() !== '');
    const prefix = `${this.project}_`;
    const named = async (kind: 'volume' | 'network'): Promise<string[]> =>
      (await list([kind, 'ls', '--format', '{{.Name}}'])).filter((name) => name.startsWith(prefix));
    return [
      ...(await list(['ps', '-a', '--filter', label, '--format', '{{.Names}}'])).map(
        (name) => `container ${name}`,
      ),
      ...(await list(['volume', 'ls', '-q', '--filter', label])).map((name) => `volume ${name}`),
      ...(await named('volume')).map((name) => `volume ${name}`),
      ...(await list(['network', 'ls', '-q', '--filter', label])).map((id) => `network ${id}`),
      ...(await named('network')).map((name) => `network ${name}`),
    ];
  }
}
