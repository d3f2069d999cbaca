import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  FileNotice,
  FileTransferClient,
  Session,
  TransferInterruptedError,
  TransferProgress,
} from '@sapora/client';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  EXIT,
  joinOrExplain,
  parse,
  sessionOptions,
  UsageError,
} from './common-options';

const FILE_OPTIONS = { 'files-port': { type: 'string' } } as const;

export const SEND_HELP = `sapora send --server HOST --name NAME [--meeting ID] [--to NAME] FILE

Sends FILE to everyone in the meeting, or --to one person; prints the file id when the server
has checked every byte (MD5). Up to 100 MB by default. A dropped connection is resumed where it
stopped; if it cannot be, the upload id is printed for --resume.

${CONNECTION_HELP}
      --to NAME             send privately to NAME
      --resume UPLOAD_ID    continue an interrupted upload of the same FILE
      --files-port PORT     the file service's port (default 5002, on the --server host)`;

export const RECEIVE_HELP = `sapora receive --server HOST --name NAME [--meeting ID] [--into DIR] [--count N]

Joins and saves every file sent to you into DIR (default: the current folder), checking each
one's MD5 before it appears; files waiting for you when you join come first. Stops after N files
(--count) or on Ctrl-C.

${CONNECTION_HELP}
      --into DIR            where to save files
      --count N             stop after N files
      --files-port PORT     the file service's port (default 5002, on the --server host)`;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A bar that redraws in a terminal, and a plain line every 10% otherwise. */
function progressPrinter(label: string): (progress: TransferProgress) => void {
  const terminal = process.stderr.isTTY === true;
  let lastTenth = -1;
  return ({ bytes, total, rate }) => {
    const fraction = total === 0 ? 1 : bytes / total;
    if (terminal) {
      const filled = Math.round(fraction * 30);
      process.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(fraction * 100).toFixed(0)}% ${megabytes(rate)}/s`,
      );
      if (bytes === total) process.stderr.write('\n');
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    process.stderr.write(
      `${label}: ${(fraction * 100).toFixed(0)}% (${megabytes(bytes)} of ${megabytes(total)}, ${megabytes(rate)}/s)\n`,
    );
  };
}

function transferClient(session: Session, port: string | undefined): FileTransferClient {
  const parsed = port === undefined ? undefined : Number(port);
  if (parsed !== undefined && !(Number.isInteger(parsed) && parsed > 0 && parsed < 65536))
    throw new UsageError('--files-port must be a port number');
  return new FileTransferClient({ session, port: parsed });
}

export async function sendCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CONNECTION_OPTIONS,
    ...FILE_OPTIONS,
    to: { type: 'string' },
    resume: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${SEND_HELP}\n`);
    return EXIT.ok;
  }
  const [file] = positionals;
  if (file === undefined) throw new UsageError('which file? (sapora send ... FILE)');
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  const session = await joinOrExplain(sessionOptions(values));
  try {
    const done = await transferClient(session, values['files-port'])
      .upload(file, values.to ?? 'all', {
        onProgress: progressPrinter(`sending ${file}`),
        resumeUploadId: values.resume,
      })
      .catch((error: unknown) => {
        if (error instanceof TransferInterruptedError && error.uploadId !== undefined)
          process.stderr.write(
            `sapora: to continue later: sapora send ... --resume ${error.uploadId} ${file}\n`,
          );
        throw error;
      });
    process.stdout.write(
      `sent ${file} (${megabytes(done.size)}, md5 ${done.md5}) to ${done.recipients} recipient(s): file id ${done.fileId}\n`,
    );
    return EXIT.ok;
  } finally {
    await session.leave();
  }
}

export async function receiveCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...CONNECTION_OPTIONS,
    ...FILE_OPTIONS,
    into: { type: 'string' },
    count: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${RECEIVE_HELP}\n`);
    return EXIT.ok;
  }
  const into = values.into ?? '.';
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0)) throw new UsageError('--count must be a positive number');
  const session = await joinOrExplain(sessionOptions(values));
  const transfer = transferClient(session, values['files-port']);
  let saved = 0;
  let queue = Promise.resolve();
  return new Promise((resolve) => {
    const stop = (code: number): void => {
      void session.leave().then(() => resolve(code));
    };
    const fetch = (notice: FileNotice): void => {
      queue = queue.then(async () => {
        if (saved >= count) return;
        // Never overwrite: report-1.pdf, report-2.pdf, ...
        let target = join(into, notice.name);
        for (let n = 1; existsSync(target); n++)
          target = join(into, notice.name.replace(/(\.[^.]*)?$/, `-${n}$1`));
        try {
          const meta = await transfer.download(notice, target, {
            onProgress: progressPrinter(`receiving ${notice.name}`),
          });
          process.stdout.write(
            `saved ${target} (${megabytes(meta.size)} from ${meta.sender}, md5 ${meta.md5} checked)\n`,
          );
          if (++saved >= count) stop(EXIT.ok);
        } catch (error) {
          process.stderr.write(
            `sapora: could not receive ${notice.name}: ${(error as Error).message}\n`,
          );
        }
      });
    };
    for (const notice of session.files) fetch(notice);
    session.on('file', fetch);
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
