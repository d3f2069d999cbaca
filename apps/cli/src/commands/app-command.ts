import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { DEFAULT_PORTS } from '@sapora/protocol';
import { EXIT, INSECURE_OPTION, knownServersFile, parse, UsageError } from './common-options';
import { DISCOVERY_OPTIONS } from './discover-command';

export const APP_HELP = `sapora app [--server HOST[:PORT]] [--port PORT] [--no-open]

Opens Sapora in your web browser, from this machine: runs a gateway on 127.0.0.1 (plain http,
which browsers treat as secure, so camera and microphone need no certificate) and opens the
browser at it. The gateway listens for Sapora servers announcing themselves on the LAN (a
browser cannot) and the login offers each one; they are also listed here. Ctrl-C stops it.

  -s, --server HOST[:PORT]    the server the login offers first (any other may be typed)
      --port PORT             the local port (default 5555, or a free one if that is taken)
      --no-open               do not open a browser; just print the address
      --discovery-port PORT   the UDP port servers announce on (default 5001)
      --insecure              reach servers over plain TCP (they must allow it); the
                              gateway warns at every connection
  -h, --help                  this help

Servers' TLS keys are remembered in $SAPORA_HOME/known-servers.json, as by every command.
The browser opened is $BROWSER if set, else the system's default (xdg-open, open, start).`;

/** The gateway program: apps/gateway beside this app (a separate program, run, not imported). */
function gatewayMain(): string {
  const main =
    process.env.SAPORA_GATEWAY_MAIN ??
    join(__dirname, '..', '..', '..', 'gateway', 'dist', 'main.js');
  if (!existsSync(main))
    throw new Error(`the gateway is not built (${main} is missing); run "npm run build"`);
  return main;
}

/** The node options the gateway is always started with (apps/gateway/node-options), if any. */
function gatewayNodeOptions(main: string): string[] {
  const file = join(dirname(main), '..', 'node-options');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function openBrowser(url: string): void {
  const command =
    process.env.BROWSER ??
    (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open');
  const args =
    process.platform === 'win32' && process.env.BROWSER === undefined
      ? ['/c', 'start', '""', url]
      : [url];
  const opener = spawn(command, args, { stdio: 'ignore', detached: true });
  opener.once('error', () =>
    process.stderr.write(`Could not start a browser (${command}); open ${url} yourself.\n`),
  );
  opener.unref();
}

interface GatewayLine {
  level?: number;
  msg?: string;
  url?: string;
  server?: string;
  address?: string;
}

export async function appCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    server: { type: 'string', short: 's' },
    port: { type: 'string' },
    'no-open': { type: 'boolean' },
    ...INSECURE_OPTION,
    ...DISCOVERY_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${APP_HELP}\n`);
    return EXIT.ok;
  }
  let port: number = DEFAULT_PORTS.gateway;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!(Number.isInteger(port) && port >= 0 && port < 65536))
      throw new UsageError('--port must be a port number');
  } else if (!(await portIsFree(port))) {
    port = 0;
  }
  const discoveryPort = values['discovery-port'] ?? String(DEFAULT_PORTS.discovery);
  if (!/^\d{1,5}$/.test(discoveryPort))
    throw new UsageError('--discovery-port must be a port number');

  const main = gatewayMain();
  const gateway = spawn(process.execPath, [...gatewayNodeOptions(main), main], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_TLS: 'off',
      GATEWAY_ANY_SERVER: 'on',
      GATEWAY_DISCOVERY: 'on',
      DISCOVERY_PORT: discoveryPort,
      GATEWAY_CONTROL: values.server ?? 'none',
      GATEWAY_SERVER_NAME: values.server === undefined ? 'Sapora' : 'Given with --server',
      // The servers' keys, remembered where the other commands remember them.
      GATEWAY_KNOWN_SERVERS: knownServersFile(),
      GATEWAY_UPSTREAM_INSECURE: values.insecure === true ? 'on' : 'off',
    },
  });
  return supervise(gateway, values['no-open'] !== true);
}

/** Turns the gateway's log lines into a few words for a person, and stops it on Ctrl-C. */
function supervise(gateway: ChildProcess, open: boolean): Promise<number> {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    gateway.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let errors = '';
  gateway.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  createInterface({ input: gateway.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: GatewayLine;
    try {
      line = JSON.parse(text) as GatewayLine;
    } catch {
      return;
    }
    if (line.url !== undefined && line.msg?.startsWith('gateway listening')) {
      process.stdout.write(`Sapora is open at ${line.url} (Ctrl-C to stop)\n`);
      if (open) openBrowser(line.url);
    } else if (line.msg === 'heard a Sapora server on the LAN') {
      process.stdout.write(`Found "${line.server}" at ${line.address}\n`);
    } else if ((line.level ?? 0) >= 40 && line.msg !== undefined) {
      process.stderr.write(`gateway: ${line.msg}\n`);
    }
  });
  return new Promise((resolve) =>
    gateway.once('exit', (code) => {
      if (!stopping) {
        process.stderr.write(errors);
        resolve(EXIT.error);
      } else resolve(code === 0 ? EXIT.ok : EXIT.error);
    }),
  );
}
