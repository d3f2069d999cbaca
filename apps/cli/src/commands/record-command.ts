import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AudioClient,
  ChatMessage,
  FileNotice,
  FileTransferClient,
  Session,
  WavFileSink,
} from '@sapora/client';
import { AUDIO_SAMPLE_RATE } from '@sapora/protocol';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  EXIT,
  joinOrExplain,
  parse,
  sessionOptions,
  UsageError,
} from './common-options';

export const RECORD_HELP = `sapora record --server HOST --meeting ID --into DIR [--name NAME]

Records a meeting, openly: joins as a participant everyone's list marks "recording" (and the
chat announces it), sends no audio of its own so the mix it gets is everyone's, and writes into
DIR until the meeting ends or Ctrl-C:
  meeting.wav     the room's full mix (16-bit mono 44.1 kHz)
  chat.txt        the chat, one line per message with its time (ISO 8601, UTC)
  files/          the files sent to the room, MD5-checked

${CONNECTION_HELP}
      --into DIR            where to write (created if missing)
      --audio-port PORT     the audio service's port (default: where the server says)
      --files-port PORT     the file service's port (default: where the server says)
Without --name it joins as "recorder".`;

const port = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!(Number.isInteger(parsed) && parsed > 0 && parsed < 65536))
    throw new UsageError(`${flag} must be a port number`);
  return parsed;
};

/** One chat message as a transcript line. */
export function transcriptLine(message: ChatMessage): string {
  const time = new Date(message.sentAtMs).toISOString();
  if (message.system) return `${time}  * ${message.text}`;
  const to = message.private ? ` → ${message.to} (private)` : '';
  return `${time}  ${message.from}${to}: ${message.text}`;
}

export async function recordCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...CONNECTION_OPTIONS,
    into: { type: 'string' },
    'audio-port': { type: 'string' },
    'files-port': { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${RECORD_HELP}\n`);
    return EXIT.ok;
  }
  if (values.into === undefined) throw new UsageError('--into DIR is required');
  if (values.meeting === undefined) throw new UsageError('--meeting ID is required');
  const audioPort = port(values['audio-port'], '--audio-port');
  const filesPort = port(values['files-port'], '--files-port');
  const into = values.into;
  const filesDir = join(into, 'files');
  mkdirSync(filesDir, { recursive: true });
  const transcript = join(into, 'chat.txt');
  writeFileSync(transcript, '');

  const session = await joinOrExplain({
    ...sessionOptions({ ...values, name: values.name ?? 'recorder' }),
    recording: true,
    media: ['audio', 'files'],
  });
  const audio = new AudioClient({ session, port: audioPort });
  await audio.start();
  const wav = new WavFileSink(join(into, 'meeting.wav'), AUDIO_SAMPLE_RATE);
  audio.startReceiving((frame) => wav.write(frame));

  const write = (message: ChatMessage): void =>
    appendFileSync(transcript, `${transcriptLine(message)}\n`);
  for (const message of session.history) write(message);
  session.on('chat', write);

  const transfer = new FileTransferClient({ session, port: filesPort });
  let downloads = Promise.resolve();
  const fetch = (notice: FileNotice): void => {
    downloads = downloads.then(async () => {
      // Never overwrite: a second report.pdf becomes report-1.pdf.
      let target = join(filesDir, notice.name);
      for (let n = 1; existsSync(target); n++)
        target = join(filesDir, notice.name.replace(/(\.[^.]*)?$/, `-${n}$1`));
      try {
        await transfer.download(notice, target);
        process.stdout.write(`saved ${target} (from ${notice.sender})\n`);
      } catch (error) {
        process.stderr.write(
          `sapora: could not save ${notice.name}: ${(error as Error).message}\n`,
        );
      }
    });
  };
  for (const notice of session.files) fetch(notice);
  session.on('file', fetch);
  process.stdout.write(`Recording "${session.meetingId}" into ${into} (Ctrl-C stops)\n`);

  return new Promise((resolve) => {
    let finished = false;
    const finish = (code: number, why: string): void => {
      if (finished) return;
      finished = true;
      audio.close();
      wav.close();
      void downloads.then(async () => {
        await leaveQuietly(session);
        process.stdout.write(`Recording stopped: ${why}\n`);
        resolve(code);
      });
    };
    // The meeting ended (or this recorder was removed): the recording is complete.
    session.once('closed', ({ reason }) => finish(EXIT.ok, reason));
    process.once('SIGINT', () => finish(EXIT.ok, 'stopped'));
    process.once('SIGTERM', () => finish(EXIT.ok, 'stopped'));
  });
}

async function leaveQuietly(session: Session): Promise<void> {
  await session.leave().catch(() => undefined);
}
