#!/usr/bin/env node
// `npm run loadtest -- --server HOST[:PORT] --rooms 20 --per-room 5 --audio --video --duration 30`
import { parseArgs } from 'node:util';
import { formatReport } from './load-report';
import { runLoadTest } from './load-test';

const HELP = `loadtest — emulated participants against a Sapora server

  --server HOST[:PORT]  the control service (port 5000 by default)     required
  --rooms N             rooms to fill                                   default 10
  --per-room N          participants in each room                       default 5
  --audio               each sends a tone and receives the room's mix
  --video               each sends frames (--fps, --frame-bytes) and receives the others'
  --duration S          seconds of streaming                            default 30
  --fps N               video frames per second per participant         default 10
  --frame-bytes N       bytes per video frame                           default 6000
  --prefix TEXT         meeting ids are TEXT plus the room's number     default load-
  --json                print the report as JSON

Reports per kind (audio in datagrams, video in frames), for all nodes and for each media node:
participants, sent, received, loss, and latency p50/p99 (audio: a marker frame sent → heard in
the mix; video: frame sent → received whole).`;

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new Error(`--${name} must be a positive number`);
  return parsed;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', short: 's' },
      rooms: { type: 'string' },
      'per-room': { type: 'string' },
      audio: { type: 'boolean' },
      video: { type: 'boolean' },
      duration: { type: 'string' },
      fps: { type: 'string' },
      'frame-bytes': { type: 'string' },
      prefix: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.server) throw new Error('--server is required (see --help)');
  if (!values.audio && !values.video) throw new Error('say --audio, --video or both');
  const [, host, port] = /^(.+?)(?::(\d+))?$/.exec(values.server) ?? [];
  const report = await runLoadTest({
    host,
    port: port === undefined ? 5000 : Number(port),
    rooms: count(values.rooms, 'rooms', 10),
    perRoom: count(values['per-room'], 'per-room', 5),
    audio: values.audio === true,
    video: values.video === true,
    durationMs: count(values.duration, 'duration', 30) * 1000,
    videoFps: count(values.fps, 'fps', 10),
    videoFrameBytes: count(values['frame-bytes'], 'frame-bytes', 6_000),
    meetingPrefix: values.prefix,
    log: (line) => console.error(line),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`loadtest: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
