import { parseArgs, ParseArgsConfig } from 'node:util';
import { Session, SessionOptions } from '@sapora/client';
import { parseServerAddress } from '../server-address';

export const EXIT = { ok: 0, error: 1, noSuchUser: 2, usage: 64 } as const;

/** A mistake in how the command was called: printed with the command's help. */
export class UsageError extends Error {}

export const CONNECTION_OPTIONS = {
  server: { type: 'string', short: 's' },
  name: { type: 'string', short: 'n' },
  meeting: { type: 'string', short: 'm' },
  passcode: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_HELP = `  -s, --server HOST[:PORT]  the Sapora server (control port 5000 by default)
  -n, --name NAME           your name in the meeting (unique in the room, any letter case)
  -m, --meeting ID          meeting to join (default: "default")
      --passcode CODE       the room's passcode, if it has one (the first to join sets it)
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

export function sessionOptions(values: {
  server?: string;
  name?: string;
  meeting?: string;
  passcode?: string;
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
