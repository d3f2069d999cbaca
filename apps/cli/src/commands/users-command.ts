import { formatParticipants } from '../chat-format';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  EXIT,
  joinOrExplain,
  parse,
  sessionOptions,
} from './common-options';

export const USERS_HELP = `sapora users --server HOST --name NAME [--meeting ID] [--json]

Joins briefly, prints who is in the meeting, and leaves.

${CONNECTION_HELP}
      --json                print the list as JSON`;

export async function usersCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(`${USERS_HELP}\n`);
    return EXIT.ok;
  }
  const session = await joinOrExplain(sessionOptions(values));
  const others = session.participants;
  process.stdout.write(
    `${values.json ? JSON.stringify(others) : formatParticipants(others, session.username)}\n`,
  );
  await session.leave();
  return EXIT.ok;
}
