#!/usr/bin/env node
import { appCommand } from './commands/app-command';
import { chatCommand } from './commands/chat-command';
import { discoverCommand } from './commands/discover-command';
import { EXIT, UsageError } from './commands/common-options';
import { receiveCommand, sendCommand } from './commands/file-commands';
import { joinCommand } from './commands/join-command';
import { meetingsCommand } from './commands/meetings-command';
import { nodesCommand } from './commands/nodes-command';
import { recordCommand } from './commands/record-command';
import { usersCommand } from './commands/users-command';

const HELP = `sapora — conferencing on your local network

Usage:
  sapora app [--server HOST[:PORT]]                              the meeting in your web browser
  sapora discover                                                list servers on the network
  sapora join [--server HOST[:PORT]] --name NAME [--meeting ID]  interactive chat
  sapora chat send --server HOST --name NAME [--to NAME] TEXT    send one message
  sapora chat listen --server HOST --name NAME [--count N]       print messages as they come
  sapora users --server HOST --name NAME [--meeting ID]          who is in the meeting
  sapora send --server HOST --name NAME [--to NAME] FILE         send a file (MD5-checked)
  sapora receive --server HOST --name NAME [--into DIR]          save files sent to you
  sapora meetings list|add|edit|rm --server HOST ...             the meeting schedule
  sapora nodes --server HOST                                     the media nodes and their rooms
  sapora record --server HOST --meeting ID --into DIR            record a meeting (everyone is told)

"sapora COMMAND --help" tells more. Exit codes: 0 ok, 1 error, 2 no such user, 64 bad usage.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  app: appCommand,
  discover: discoverCommand,
  join: joinCommand,
  chat: chatCommand,
  users: usersCommand,
  send: sendCommand,
  receive: receiveCommand,
  meetings: meetingsCommand,
  nodes: nodesCommand,
  record: recordCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  const run = COMMANDS[command];
  if (run === undefined) throw new UsageError(`unknown command "${command}"`);
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(
      `sapora: ${(error as Error).message}\n${usage ? 'Try "sapora --help".\n' : ''}`,
    );
    process.exit(usage ? EXIT.usage : EXIT.error);
  },
);
