// A kiosk: joins a meeting and shows who is in it, every time that changes (on a terminal the
// screen is redrawn; otherwise each list is printed below the last).
//   node kiosk.mjs --server HOST[:PORT] [--meeting ID]
import { parseArgs } from 'node:util';
import { Session } from '@sapora/client';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    meeting: { type: 'string', default: 'default' },
  },
});
if (values.server === undefined) {
  console.error('usage: node kiosk.mjs --server HOST[:PORT] [--meeting ID]');
  process.exit(64);
}
const [host, port = '5000'] = values.server.split(':');
const session = new Session({
  host,
  port: Number(port),
  username: 'kiosk',
  meetingId: values.meeting,
});

function show(participants) {
  const people = participants.filter((p) => p.participantId !== session.participantId);
  const lines = people.map(
    (p) => `  ${p.username}${p.muted ? ' (muted)' : ''}${p.presenting ? ' (presenting)' : ''}`,
  );
  if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
  console.log(
    `Meeting "${session.meetingId}": ${people.length} ${people.length === 1 ? 'person' : 'people'}`,
  );
  for (const line of lines) console.log(line);
}

session.on('participants', show);
session.on('closed', ({ reason }) => {
  console.log(`session closed: ${reason}`);
  process.exit(0);
});
await session.connect();
show(session.participants);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void session.leave());
