import { ErrorCode, MeetingChanges, MeetingsClient, SaporaError } from '@sapora/client';
import { describeMeeting, formatMeetings } from '../meeting-format';
import { defaultTokenFile, MeetingTokens, serverKey } from '../meeting-tokens';
import { parseServerAddress } from '../server-address';
import {
  cliTrust,
  EXIT,
  INSECURE_HELP,
  INSECURE_OPTION,
  parse,
  UsageError,
} from './common-options';

export const MEETINGS_HELP = `sapora meetings list --server HOST[:PORT] [--json]
sapora meetings add --server HOST --id ID --title TITLE --at TIME --duration MIN --name NAME
sapora meetings edit --server HOST ID [--title TITLE] [--at TIME] [--duration MIN]
sapora meetings rm --server HOST ID

The meeting schedule; nobody has to join a meeting to use it.
list     upcoming and running meetings, earliest first, in this machine's local time
add      schedules meeting ID (the meeting id people join with) at TIME for MIN minutes
edit     changes a meeting you scheduled from this machine
rm       deletes a meeting you scheduled from this machine

TIME is ISO 8601 with an offset or Z, e.g. 2026-11-26T10:00+01:00 or 2026-11-26T09:00Z.
Only a meeting's creator can change or delete it: add keeps the meeting's owner token in
$SAPORA_HOME/meetings.json (default ~/.config/sapora/meetings.json, readable only by you).

  -s, --server HOST[:PORT]  the Sapora server (control port 5000 by default)
      --id ID               (add) meeting id: letters, digits, ".", "_", "-"; up to 64
      --title TITLE         (add, edit) up to 200 characters
      --at TIME             (add, edit) when it starts
      --duration MIN        (add, edit) length in minutes, 1 to 1440
  -n, --name NAME           (add) your name, shown as the creator
      --tokens FILE         where owner tokens are kept (instead of the default above)
      --json                (list) print the meetings as JSON
${INSECURE_HELP}
  -h, --help                this help`;

const OPTIONS = {
  server: { type: 'string', short: 's' },
  tokens: { type: 'string' },
  ...INSECURE_OPTION,
  help: { type: 'boolean', short: 'h' },
} as const;

const FIELDS = {
  title: { type: 'string' },
  at: { type: 'string' },
  duration: { type: 'string' },
} as const;

type Action = (args: string[]) => Promise<number>;

export async function meetingsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const actions: Record<string, Action> = { list, add, edit, rm };
  if (action === undefined || action === '--help' || action === '-h') {
    process.stdout.write(`${MEETINGS_HELP}\n`);
    return action === undefined ? EXIT.usage : EXIT.ok;
  }
  const run = actions[action];
  if (run === undefined)
    throw new UsageError(`unknown meetings action "${action}" (list, add, edit or rm)`);
  return run(rest);
}

interface Target {
  client: MeetingsClient;
  server: string;
  tokens: MeetingTokens;
}

/** Connects to --server and opens the token file; the caller closes the client. */
async function connect(values: {
  server?: string;
  tokens?: string;
  insecure?: boolean;
}): Promise<Target> {
  if (!values.server) throw new UsageError('--server is required (e.g. --server 192.168.1.10)');
  const { host, port } = parseServerAddress(values.server);
  const client = await MeetingsClient.connect({ host, port, trust: cliTrust(values) });
  return {
    client,
    server: serverKey(host, port),
    tokens: new MeetingTokens(values.tokens ?? defaultTokenFile()),
  };
}

function helped(values: { help?: boolean }): boolean {
  if (values.help) process.stdout.write(`${MEETINGS_HELP}\n`);
  return values.help === true;
}

function minutes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--duration "${text}" is not whole minutes`);
  return Number(text);
}

async function list(args: string[]): Promise<number> {
  const { values } = parse(args, { ...OPTIONS, json: { type: 'boolean' } });
  if (helped(values)) return EXIT.ok;
  const { client, server, tokens } = await connect(values);
  try {
    const meetings = await client.list();
    process.stdout.write(
      `${values.json ? JSON.stringify(meetings) : formatMeetings(meetings, await tokens.owned(server))}\n`,
    );
    return EXIT.ok;
  } finally {
    client.close();
  }
}

async function add(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...OPTIONS,
    ...FIELDS,
    id: { type: 'string' },
    name: { type: 'string', short: 'n' },
  });
  if (helped(values)) return EXIT.ok;
  for (const required of ['id', 'title', 'at', 'duration', 'name'] as const) {
    if (values[required] === undefined) throw new UsageError(`--${required} is required`);
  }
  const durationMinutes = minutes(values.duration) ?? 0;
  const { client, server, tokens } = await connect(values);
  try {
    const { meeting, ownerToken } = await client.create({
      meetingId: values.id ?? '',
      title: values.title ?? '',
      startsAt: values.at ?? '',
      durationMinutes,
      username: values.name ?? '',
    });
    try {
      await tokens.set(server, meeting.meetingId, ownerToken);
    } catch (error) {
      throw new Error(
        `scheduled "${meeting.meetingId}", but could not save its owner token (${(error as Error).message}); keep it to change the meeting: ${ownerToken.toString('hex')}`,
      );
    }
    process.stdout.write(
      `Scheduled ${describeMeeting(meeting)}.\nIts owner token is kept in ${tokens.path}: edit and rm work from this machine.\n`,
    );
    return EXIT.ok;
  } finally {
    client.close();
  }
}

async function edit(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPTIONS, ...FIELDS });
  if (helped(values)) return EXIT.ok;
  const meetingId = onlyId(positionals, 'edit');
  const changes: MeetingChanges = {
    title: values.title,
    startsAt: values.at,
    durationMinutes: minutes(values.duration),
  };
  if (Object.values(changes).every((value) => value === undefined))
    throw new UsageError('nothing to change: give --title, --at or --duration');
  const { client, server, tokens } = await connect(values);
  try {
    const token = await tokens.get(server, meetingId);
    const meeting = await explained(
      client.update(meetingId, token ?? Buffer.alloc(0), changes),
      token === null ? `no owner token for "${meetingId}" on ${server} in ${tokens.path}` : null,
    );
    process.stdout.write(`Changed ${describeMeeting(meeting)}.\n`);
    return EXIT.ok;
  } finally {
    client.close();
  }
}

async function rm(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (helped(values)) return EXIT.ok;
  const meetingId = onlyId(positionals, 'rm');
  const { client, server, tokens } = await connect(values);
  try {
    const token = await tokens.get(server, meetingId);
    await explained(
      client.delete(meetingId, token ?? Buffer.alloc(0)),
      token === null ? `no owner token for "${meetingId}" on ${server} in ${tokens.path}` : null,
    );
    await tokens.delete(server, meetingId);
    process.stdout.write(`Deleted "${meetingId}".\n`);
    return EXIT.ok;
  } finally {
    client.close();
  }
}

function onlyId(positionals: string[], action: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`meetings ${action} takes one meeting id (e.g. "standup")`);
  return positionals[0];
}

/** A refusal for want of the owner token says why this machine has none. */
async function explained<T>(request: Promise<T>, missingToken: string | null): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (
      error instanceof SaporaError &&
      error.code === ErrorCode.NotAllowed &&
      missingToken !== null
    ) {
      throw new Error(`${error.message}; ${missingToken}`);
    }
    throw error;
  }
}
