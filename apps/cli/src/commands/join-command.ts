import { createInterface } from 'node:readline';
import { createInterface as createPrompt } from 'node:readline/promises';
import {
  MeetingReminder,
  MeetingsClient,
  ScheduledMeeting,
  Session,
  SessionOptions,
} from '@sapora/client';
import { DEFAULT_PORTS } from '@sapora/protocol';
import { describeMeeting, localTime } from '../meeting-format';
import { AUDIO_HELP, AUDIO_OPTIONS, startAudio, wantsAudio } from './audio-options';
import { startVideo, VIDEO_HELP, VIDEO_OPTIONS, wantsVideo } from './video-options';
import { SCREEN_HELP, SCREEN_OPTIONS, startScreen, wantsScreen } from './screen-options';
import { DISCOVERY_OPTIONS, findServer } from './discover-command';
import { handleHostLine, HOST_COMMANDS_HELP } from './host-commands';
import { defaultTokenFile, MeetingTokens, serverKey } from '../meeting-tokens';
import {
  describeDelivery,
  diffParticipants,
  formatMessage,
  formatParticipants,
} from '../chat-format';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  EXIT,
  joinOrExplain,
  parse,
  sessionOptions,
  cliTrust,
} from './common-options';

export const JOIN_HELP = `sapora join [--server HOST[:PORT]] --name NAME [--meeting ID] [--passcode CODE]

Joins a meeting and opens an interactive chat. Lines you type go to everyone. Without --server,
it looks for servers announcing themselves on the network (--discovery-port, default 5001) and
joins the one it finds, or asks which when there are several. Without --meeting, it shows the
server's scheduled meetings and, at a terminal, lets you pick one (Enter: the default room).
  /to NAME text   send privately to NAME (any letter case)
  /users          list who is in the room: host, who speaks, raised hands in order
${HOST_COMMANDS_HELP}
  /help           these commands
  /quit           leave (Ctrl-C and Ctrl-D leave too)
The one who scheduled the meeting (\`sapora meetings add\` on this machine) joins as its host.

${CONNECTION_HELP}

${AUDIO_HELP}

${VIDEO_HELP}

${SCREEN_HELP}

Exit codes: 0 left normally, 1 could not join or lost the meeting, 64 bad usage.`;

const COMMANDS_HELP =
  '/to NAME text · /users · /hand · host: /mute /remove /allow /lock /unlock /stopshare /lower /host /end · /help · /quit';

export async function joinCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...CONNECTION_OPTIONS,
    ...AUDIO_OPTIONS,
    ...VIDEO_OPTIONS,
    ...SCREEN_OPTIONS,
    ...DISCOVERY_OPTIONS,
  });
  if (values.help) {
    process.stdout.write(`${JOIN_HELP}\n`);
    return EXIT.ok;
  }
  // Without --server, the server discovery finds on the network.
  let fingerprint256: string | undefined;
  if (values.server === undefined && values.name !== undefined)
    ({ server: values.server, fingerprint256 } = await findServer(values['discovery-port']));
  const options = sessionOptions(values);
  // A discovered server is held to the key it announced, from the first connection.
  if (fingerprint256 !== undefined) options.trust = cliTrust(values, fingerprint256);
  // What this participant will use: a full media server refuses the join rather than a silent room.
  options.media = [
    ...(wantsAudio(values) ? (['audio'] as const) : []),
    ...(wantsVideo(values) ? (['video'] as const) : []),
    ...(wantsScreen(values) ? (['screen'] as const) : []),
  ];
  if (values.meeting === undefined) options.meetingId = await chooseMeeting(options);
  // The meeting's creator, from this machine, proves it and runs the meeting.
  const server = serverKey(options.host, options.port ?? DEFAULT_PORTS.control);
  const ownerToken = await new MeetingTokens(defaultTokenFile())
    .get(server, options.meetingId || 'default')
    .catch(() => null);
  if (ownerToken !== null) options.ownerToken = ownerToken;
  const session = await joinOrExplain(options);
  // Before anything is printed: a signal with no listener kills the process on the spot, so a
  // script that stops us as soon as it sees "Joined" would leave the session hanging.
  const leave = (): void => {
    void session.leave();
  };
  process.once('SIGINT', leave);
  process.once('SIGTERM', leave);
  const stopAudio = wantsAudio(values) ? await startAudio(session, values) : () => undefined;
  const stopVideo = wantsVideo(values) ? await startVideo(session, values) : () => undefined;
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    prompt: '> ',
  });
  const me = session.username;

  // Prints above the prompt without mangling what the user is typing.
  const print = (line: string): void => {
    if (interactive) {
      process.stdout.write(`\r\x1b[K${line}\n`);
      rl.prompt(true);
    } else {
      process.stdout.write(`${line}\n`);
    }
  };

  print(
    `Joined "${session.meetingId}" on ${options.host}:${options.port} as ${me}. ${COMMANDS_HELP}`,
  );
  const stopScreen = wantsScreen(values)
    ? await startScreen(session, values, print)
    : () => Promise.resolve();
  print(formatParticipants(session.participants, me, session.room, session.speakers));
  for (const message of session.history) print(formatMessage(message, me));

  let known = session.participants;
  session.on('participants', (participants) => {
    diffParticipants(known, participants).forEach(print);
    known = participants;
  });
  session.on('chat', (message) => print(formatMessage(message, me)));
  session.on('reminder', (reminder) => print(`* ${describeReminder(reminder)}`));
  session.on('error', (error) => print(`! ${error.message}`));
  session.on('reconnecting', ({ attempt }) =>
    print(`… connection lost; reconnecting (attempt ${attempt})`),
  );
  session.on('resumed', () => print('… reconnected'));
  session.on('rejoined', () => print('… rejoined as a new session (the old one had timed out)'));

  const finished = new Promise<number>((resolve) => {
    session.once('closed', ({ reason, byServer }) => {
      stopAudio();
      stopVideo();
      void stopScreen();
      if (byServer) print(`Disconnected: ${reason}`);
      rl.close();
      resolve(byServer ? EXIT.error : EXIT.ok);
    });
  });

  rl.on('SIGINT', leave);
  rl.on('close', leave);
  rl.on('line', (line) => void handleLine(session, line.trim(), print, leave));
  if (interactive) rl.prompt();
  return finished;
}

async function handleLine(
  session: Session,
  line: string,
  print: (line: string) => void,
  leave: () => void,
): Promise<void> {
  if (line === '') return;
  if (line === '/quit' || line === '/exit') return leave();
  if (line === '/users')
    return print(
      formatParticipants(session.participants, session.username, session.room, session.speakers),
    );
  if (await handleHostLine(session, line, print)) return;
  if (line === '/help') return print(COMMANDS_HELP);
  let to = 'all';
  let text = line;
  if (line.startsWith('/to ')) {
    const match = /^\/to\s+(\S+)\s+([\s\S]+)$/.exec(line);
    if (match === null) return print('usage: /to NAME text');
    [, to, text] = match;
  } else if (line.startsWith('/')) {
    return print(`unknown command ${line.split(/\s/)[0]}; ${COMMANDS_HELP}`);
  }
  try {
    const delivery = await session.sendChat(to, text);
    if (to !== 'all' || delivery.recipients === 0) print(`  (${describeDelivery(delivery)})`);
  } catch (error) {
    print(`! not sent: ${(error as Error).message}`);
  }
}

function describeReminder({ meeting, minutesBefore, starting }: MeetingReminder): string {
  const when = starting
    ? 'starts now'
    : `starts in ${minutesBefore} min (${localTime(meeting.startMs)})`;
  return `meeting "${meeting.title}" (--meeting ${meeting.meetingId}) ${when}`;
}

/**
 * The login step without --meeting: the server's schedule, so people find their meeting. At a
 * terminal one can be picked; otherwise (a script's stdin is its chat) the default room is used.
 */
async function chooseMeeting(options: SessionOptions): Promise<string> {
  let meetings: ScheduledMeeting[];
  try {
    const client = await MeetingsClient.connect({
      host: options.host,
      port: options.port,
      trust: options.trust,
    });
    try {
      meetings = await client.list();
    } finally {
      client.close();
    }
  } catch {
    // The join that follows reports an unreachable server in its own words.
    return '';
  }
  if (meetings.length === 0) return '';
  const list = meetings.map((meeting, i) => `  ${i + 1}. ${describeMeeting(meeting)}`).join('\n');
  process.stderr.write(`Scheduled meetings on this server:\n${list}\n`);
  if (process.stdin.isTTY !== true) {
    process.stderr.write('No --meeting given: joining the default room.\n');
    return '';
  }
  const prompt = createPrompt({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const answer = (
        await prompt.question(`Join which (1-${meetings.length}, Enter for the default room)? `)
      ).trim();
      if (answer === '') return '';
      const chosen = meetings[Number(answer) - 1];
      if (chosen !== undefined) return chosen.meetingId;
    }
  } finally {
    prompt.close();
  }
}
