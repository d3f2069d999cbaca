import { DeliveryStatus } from '@sapora/client';
import { describeDelivery, formatMessage } from '../chat-format';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  EXIT,
  joinOrExplain,
  parse,
  sessionOptions,
  UsageError,
} from './common-options';

export const CHAT_HELP = `sapora chat send --server HOST --name NAME [--meeting ID] [--to NAME] TEXT...
sapora chat listen --server HOST --name NAME [--meeting ID] [--count N] [--json]

send     joins, sends TEXT to everyone (or --to one person), prints what happened, leaves.
         Exit codes: 0 delivered (or nobody else there), 2 no such user, 1 error, 64 bad usage.
listen   joins and prints every message it receives, one per line (JSON lines with --json),
         until N messages (--count) or Ctrl-C; then leaves.

${CONNECTION_HELP}
      --to NAME             (send) send privately to NAME
      --count N             (listen) stop after N messages
      --json                (listen) one JSON object per message`;

export async function chatCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'send') return send(rest);
  if (action === 'listen') return listen(rest);
  if (action === undefined || action === '--help' || action === '-h') {
    process.stdout.write(`${CHAT_HELP}\n`);
    return action === undefined ? EXIT.usage : EXIT.ok;
  }
  throw new UsageError(`unknown chat action "${action}" (send or listen)`);
}

async function send(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...CONNECTION_OPTIONS, to: { type: 'string' } });
  if (values.help) {
    process.stdout.write(`${CHAT_HELP}\n`);
    return EXIT.ok;
  }
  const text = positionals.join(' ');
  if (text === '') throw new UsageError('nothing to send: give the message text');
  const session = await joinOrExplain(sessionOptions(values));
  try {
    const delivery = await session.sendChat(values.to ?? 'all', text);
    process.stdout.write(`${describeDelivery(delivery)}\n`);
    return delivery.status === DeliveryStatus.NoSuchUser ? EXIT.noSuchUser : EXIT.ok;
  } finally {
    await session.leave();
  }
}

async function listen(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...CONNECTION_OPTIONS,
    count: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(`${CHAT_HELP}\n`);
    return EXIT.ok;
  }
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0)) throw new UsageError('--count must be a positive number');
  const session = await joinOrExplain(sessionOptions(values));
  let received = 0;
  return new Promise((resolve) => {
    const stop = (code: number): void => {
      void session.leave().then(() => resolve(code));
    };
    session.on('chat', (message) => {
      process.stdout.write(
        `${values.json ? JSON.stringify(message) : formatMessage(message, session.username)}\n`,
      );
      if (++received >= count) stop(EXIT.ok);
    });
    session.once('closed', ({ reason, byServer }) => {
      if (byServer) {
        process.stderr.write(`sapora: disconnected: ${reason}\n`);
        resolve(EXIT.error);
      }
    });
    process.once('SIGINT', () => stop(EXIT.ok));
    process.once('SIGTERM', () => stop(EXIT.ok));
  });
}
