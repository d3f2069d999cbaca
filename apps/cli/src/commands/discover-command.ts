import { createInterface } from 'node:readline/promises';
import { DiscoveredServer, discover } from '@sapora/client';
import { DEFAULT_PORTS, DISCOVERY_INTERVAL_MS } from '@sapora/protocol';
import { EXIT, parse, UsageError } from './common-options';

export const DISCOVER_HELP = `sapora discover [--timeout SECONDS] [--discovery-port PORT]

Listens for Sapora servers announcing themselves on the local network (every 5 s) and lists
each one: its name, the address to give --server, and where the announcement came from.

      --timeout SECONDS       how long to listen (default 6)
      --discovery-port PORT   the UDP port servers announce on (default 5001)
  -h, --help                  this help`;

export const DISCOVERY_OPTIONS = {
  'discovery-port': { type: 'string' },
} as const;

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORTS.discovery;
  const port = Number(value);
  if (!(Number.isInteger(port) && port > 0 && port < 65536))
    throw new UsageError('--discovery-port must be a port number');
  return port;
}

function describe(server: DiscoveredServer): string {
  const key =
    server.fingerprint256 === undefined ? '' : `\n    TLS key SHA-256 ${server.fingerprint256}`;
  return `${server.name}  --server ${server.controlHost}:${server.controlPort}  (from ${server.address}, protocol ${server.protocolVersion})${key}`;
}

export async function discoverCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...DISCOVERY_OPTIONS,
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${DISCOVER_HELP}\n`);
    return EXIT.ok;
  }
  const seconds = values.timeout === undefined ? 6 : Number(values.timeout);
  if (!(seconds > 0)) throw new UsageError('--timeout must be a positive number of seconds');
  const servers = await discover({
    timeoutMs: seconds * 1000,
    port: parsePort(values['discovery-port']),
  });
  if (servers.length === 0) {
    process.stderr.write(`sapora: no Sapora server announced itself within ${seconds} s\n`);
    return EXIT.error;
  }
  for (const server of servers) process.stdout.write(`${describe(server)}\n`);
  return EXIT.ok;
}

/**
 * For a command run without --server: the server discovery finds. One is taken as is; among
 * several, a person at a terminal picks one, and a script is asked to say which.
 */
export async function findServer(
  discoveryPort: string | undefined,
): Promise<{ server: string; fingerprint256?: string }> {
  process.stderr.write('No --server given: looking for Sapora servers on the network…\n');
  const servers = await discover({
    timeoutMs: DISCOVERY_INTERVAL_MS + 1_000,
    settleMs: 500,
    port: parsePort(discoveryPort),
  });
  const address = (server: DiscoveredServer): string =>
    `${server.controlHost}:${server.controlPort}`;
  const found = (server: DiscoveredServer): { server: string; fingerprint256?: string } => ({
    server: address(server),
    ...(server.fingerprint256 === undefined ? {} : { fingerprint256: server.fingerprint256 }),
  });
  if (servers.length === 0)
    throw new UsageError('no server announced itself on the network; give --server HOST');
  if (servers.length === 1) {
    process.stderr.write(`Found "${servers[0].name}" at ${address(servers[0])}\n`);
    return found(servers[0]);
  }
  const list = servers.map((server, i) => `  ${i + 1}. ${describe(server)}`).join('\n');
  if (process.stdin.isTTY !== true)
    throw new UsageError(`several servers answered; pick one with --server:\n${list}`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const answer = await rl.question(`${list}\nWhich server (1-${servers.length})? `);
      const chosen = servers[Number(answer.trim()) - 1];
      if (chosen !== undefined) return found(chosen);
    }
  } finally {
    rl.close();
  }
}
