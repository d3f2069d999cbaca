import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { FileFingerprintStore, ServerTrust, Session, SessionOptions } from '@sapora/client';
import { parseServerAddress } from '../server-address';

export const EXIT = { ok: 0, error: 1, noSuchUser: 2, usage: 64 } as const;

/** A mistake in how the command was called: printed with the command's help. */
export class UsageError extends Error {}

export const CONNECTION_OPTIONS = {
  server: { type: 'string', short: 's' },
  name: { type: 'string', short: 'n' },
  meeting: { type: 'string', short: 'm' },
  passcode: { type: 'string' },
  insecure: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** The option every command that connects takes: plain TCP instead of TLS. */
export const INSECURE_OPTION = { insecure: { type: 'boolean' } } as const;

export const INSECURE_HELP = `      --insecure            plain TCP, nothing encrypted (the server must allow it:
                            SAPORA_ALLOW_PLAINTEXT=1); says so at every connection`;

export const CONNECTION_HELP = `  -s, --server HOST[:PORT]  the Sapora server (control port 5000 by default)
  -n, --name NAME           your name in the meeting (unique in the room, any letter case)
  -m, --meeting ID          meeting to join (default: "default")
      --passcode CODE       the room's passcode, if it has one (the first to join sets it)
${INSECURE_HELP}
  -h, --help                this help`;

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Where the CLI remembers the TLS keys of servers it has connected to (trust on first use):
 * $SAPORA_HOME/known-servers.json, else ~/.config/sapora/known-servers.json.
 */
export function knownServersFile(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.SAPORA_HOME;
  return join(home ? home : join(homedir(), '.config', 'sapora'), 'known-servers.json');
}

/**
 * How the CLI trusts servers: TLS with keys remembered in knownServersFile() (a fingerprint
 * from discovery checked from the first connection), or plain TCP with a warning each time.
 */
export function cliTrust(values: { insecure?: boolean }, fingerprint256?: string): ServerTrust {
  return {
    insecure: values.insecure === true,
    store: new FileFingerprintStore(knownServersFile()),
    ...(fingerprint256 === undefined ? {} : { fingerprint256 }),
    onInsecureConnection: (server) =>
      process.stderr.write(
        `sapora: warning: connected to ${server} over plain TCP (--insecure): anyone on the network can read and change this traffic\n`,
      ),
  };
}

export function sessionOptions(values: {
  server?: string;
  name?: string;
  meeting?: string;
  passcode?: string;
  insecure?: boolean;
}): SessionOptions {
  if (!values.server) throw new UsageError('--server is required (e.g. --server 192.168.1.10)');
  if (!values.name) throw new UsageError('--name is required');
  const { host, port } = parseServerAddress(values.server);
  return {
    host,
    port,
    username: values.name,
    meetingId: values.meeting ?? '',
    passcode: values.passcode ?? '',
    clientName: 'sapora-cli/0.1.0',
    trust: cliTrust(values),
  };
}

/** Joins, or throws an Error whose message is ready for the terminal. */
export async function joinOrExplain(options: SessionOptions): Promise<Session> {
  const session = new Session(options);
  try {
    await session.connect();
  } catch (error) {
    throw new Error((error as Error).message);
  }
  return session;
}
