import { listNodes } from '@sapora/client';
import { formatNodes } from '../node-format';
import { parseServerAddress } from '../server-address';
import {
  cliTrust,
  EXIT,
  INSECURE_HELP,
  INSECURE_OPTION,
  parse,
  UsageError,
} from './common-options';

export const NODES_HELP = `sapora nodes --server HOST[:PORT] [--json]

Lists the media nodes (audio, video, screen and file services) the server's rooms are placed
on, on this host or others: where clients reach each, its load against its capacity, whether it
is draining, and the rooms it serves. Needs no join.

  -s, --server HOST[:PORT]  the Sapora server (control port 5000 by default)
      --json                print the nodes as JSON
${INSECURE_HELP}
  -h, --help                this help`;

export async function nodesCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    server: { type: 'string', short: 's' },
    json: { type: 'boolean' },
    ...INSECURE_OPTION,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${NODES_HELP}\n`);
    return EXIT.ok;
  }
  if (!values.server) throw new UsageError('--server is required (e.g. --server 192.168.1.10)');
  const nodes = await listNodes({
    ...parseServerAddress(values.server),
    trust: cliTrust(values),
  });
  process.stdout.write(`${values.json ? JSON.stringify(nodes) : formatNodes(nodes)}\n`);
  return EXIT.ok;
}
