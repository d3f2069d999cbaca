// A chat bot: joins a meeting and answers commands typed in the chat, to everyone when the
// command was sent to everyone, privately when it was sent privately.
//   node bot.mjs --server HOST[:PORT] [--meeting ID] [--name bot]
import { parseArgs } from 'node:util';
import { Session } from '@sapora/client';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    meeting: { type: 'string', default: 'default' },
    name: { type: 'string', default: 'bot' },
  },
});
if (values.server === undefined) {
  console.error('usage: node bot.mjs --server HOST[:PORT] [--meeting ID] [--name NAME]');
  process.exit(64);
}
const [host, port = '5000'] = values.server.split(':');

const session = new Session({
  host,
  port: Number(port),
  username: values.name,
  meetingId: values.meeting,
});

const commands = {
  help: () => 'commands: !help, !time, !who, !echo TEXT',
  time: () => `it is ${new Date().toISOString()}`,
  who: () => `here: ${session.participants.map((p) => p.username).join(', ')}`,
  echo: (rest) => rest || '(nothing to echo)',
};

session.on('chat', (message) => {
  if (message.fromId === session.participantId || !message.text.startsWith('!')) return;
  const [word, ...rest] = message.text.slice(1).split(' ');
  const command = commands[word.toLowerCase()];
  const answer = command ? command(rest.join(' ')) : `unknown command "${word}"; try !help`;
  session
    .sendChat(message.private ? message.from : 'all', answer)
    .catch((error) => console.error(`could not answer: ${error.message}`));
});
session.on('closed', ({ reason }) => {
  console.log(`session closed: ${reason}`);
  process.exit(0);
});

await session.connect();
console.log(`${values.name} is in "${session.meetingId}" on ${values.server}; ready`);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void session.leave());
