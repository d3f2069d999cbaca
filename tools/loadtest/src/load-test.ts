import { createSocket, Socket } from 'node:dgram';
import {
  MediaKind,
  ReceivedVideoFrame,
  Session,
  SessionMediaSeal,
  VideoClient,
} from '@sapora/client';
import { MixClock, toneAmplitude } from '@sapora/media';
import {
  DatagramFlags,
  DatagramKind,
  decodeMediaDatagram,
  encodeAudioDatagram,
  encodeKeepalive,
  MediaDatagram,
  readAudioSamples,
} from '@sapora/protocol';
import { LoadKind, StreamTally, summarise, LoadReportLine } from './load-report';

export interface LoadTestOptions {
  /** The control service. */
  host: string;
  port: number;
  rooms: number;
  perRoom: number;
  audio: boolean;
  video: boolean;
  durationMs: number;
  /** Meeting ids are this plus the room's number. */
  meetingPrefix?: string;
  videoFps?: number;
  videoFrameBytes?: number;
  /** Progress lines (joining, running, done). */
  log?: (line: string) => void;
}

// Each speaker's tone sits on a whole frequency bin of a 512-sample frame, so it repeats
// exactly frame after frame and leaks nothing into the marker's bin; the room's first
// participant replaces its tone with a loud marker frame every MARKER_EVERY frames, and every
// listener notes when the mix carrying it arrives: that is the audio latency.
const SPEAKER_BIN = 8;
const SPEAKER_BINS = 30;
const MARKER_BIN = 40;
const SPEAKER_LEVEL = 0.05;
const MARKER_LEVEL = 0.3;
const MARKER_HEARD = 0.15;
const MARKER_EVERY = 43;
const KEEPALIVE_MS = 1_000;
/** After the senders stop, what is still on its way may arrive. */
const SETTLE_MS = 500;
/** Before the first video frame. */
const WARM_UP_MS = 300;
/** Joins at once, so a big test does not look like a flood to the server. */
const JOIN_CONCURRENCY = 10;
const VIDEO_MAGIC = 0x534c5431; // "SLT1"
const VIDEO_HEADER_BYTES = 16;

function tone(bin: number, level: number, samples: number): Int16Array {
  const frame = new Int16Array(samples);
  for (let i = 0; i < samples; i++)
    frame[i] = Math.round(level * 32767 * Math.sin((2 * Math.PI * bin * i) / samples));
  return frame;
}

/** The marker a room's first participant sent last: which one, and when. */
interface RoomMarker {
  id: number;
  sentAtMs: number;
}

const nodeOf = (session: Session, kind: MediaKind): string => {
  const { host, port } = session.endpoint(kind);
  return `${host}:${port}`;
};

/**
 * One participant's audio on a socket of its own (not the client library's AudioClient,
 * which hides the mix's sequence numbers): sends its frames to the room's audio node, follows
 * MEDIA_MOVED, and counts the mixes that arrive, their gaps, and the markers heard in them.
 */
class AudioLeg {
  readonly tally: StreamTally;
  readonly #session: Session;
  readonly #room: RoomMarker;
  readonly #sampleRate: number;
  readonly #scratch: Int16Array;
  readonly #socket: Socket = createSocket('udp4');
  /** Its datagrams sealed and the mixes opened, as the session's media must be. */
  readonly #seal: SessionMediaSeal;
  #keepalive: NodeJS.Timeout | null = null;
  #host: string;
  #port: number;
  #sequence = 0;
  #timestamp = 0;
  #matched = 0;
  #lowest = Infinity;
  #highest = -Infinity;

  constructor(session: Session, room: RoomMarker, frameSamples: number, sampleRate: number) {
    this.#session = session;
    this.#room = room;
    this.#sampleRate = sampleRate;
    this.#scratch = new Int16Array(frameSamples);
    this.#seal = new SessionMediaSeal(session, 'audio');
    ({ host: this.#host, port: this.#port } = session.endpoint('audio'));
    this.tally = {
      kind: 'audio',
      node: nodeOf(session, 'audio'),
      sent: 0,
      received: 0,
      expected: 0,
      latenciesMs: [],
    };
  }

  async start(): Promise<void> {
    this.#socket.on('message', (bytes: Buffer) => this.#onMix(bytes));
    await new Promise<void>((resolve) => this.#socket.bind(0, resolve));
    this.#session.on('mediaMoved', (endpoint) => {
      if (endpoint.kind !== 'audio') return;
      ({ host: this.#host, port: this.#port } = endpoint);
      this.#seal.resetReplayWindow();
      this.#hello();
    });
    this.#hello();
    this.#keepalive = setInterval(() => this.#hello(), KEEPALIVE_MS);
  }

  send(frame: Int16Array): void {
    const token = this.#session.mediaToken;
    this.#timestamp = (this.#timestamp + frame.length) >>> 0;
    if (token === undefined) return;
    this.#sequence = (this.#sequence + 1) >>> 0;
    this.#socket.send(
      this.#seal.seal(encodeAudioDatagram(token, this.#sequence, this.#timestamp, frame)),
      this.#port,
      this.#host,
    );
    this.tally.sent++;
  }

  close(): void {
    if (this.#keepalive !== null) clearInterval(this.#keepalive);
    this.#keepalive = null;
    this.#socket.close();
    this.#seal.close();
    if (this.tally.received > 0) this.tally.expected = this.#highest - this.#lowest + 1;
  }

  #hello(): void {
    const token = this.#session.mediaToken;
    if (token !== undefined)
      this.#socket.send(
        this.#seal.seal(encodeKeepalive(token, this.#sequence)),
        this.#port,
        this.#host,
      );
  }

  #onMix(received: Buffer): void {
    const arrivedAtMs = performance.now();
    const bytes = this.#seal.open(received);
    if (bytes === null) return; // not sealed under the room's key: nothing to count
    let datagram: MediaDatagram;
    try {
      datagram = decodeMediaDatagram(bytes);
    } catch {
      return; // not a mix: nothing to count
    }
    if (datagram.kind !== DatagramKind.Audio || (datagram.flags & DatagramFlags.Silence) !== 0)
      return;
    this.tally.received++;
    this.#lowest = Math.min(this.#lowest, datagram.sequence);
    this.#highest = Math.max(this.#highest, datagram.sequence);
    if (this.#room.id <= this.#matched) return;
    readAudioSamples(datagram.body, this.#scratch);
    if (toneAmplitude(this.#scratch, this.#markerHz(), this.#sampleRate) < MARKER_HEARD) return;
    this.#matched = this.#room.id;
    this.tally.latenciesMs.push(arrivedAtMs - this.#room.sentAtMs);
  }

  #markerHz(): number {
    return (MARKER_BIN * this.#sampleRate) / this.#scratch.length;
  }
}

/** One participant's video through the client library; each frame says who sent it, when. */
class VideoLeg {
  readonly tally: StreamTally;
  readonly client: VideoClient;
  readonly #sender: number;
  readonly #frameBytes: number;
  #frameId = 0;

  constructor(session: Session, sender: number, frameBytes: number) {
    this.client = new VideoClient({ session, keepaliveMs: KEEPALIVE_MS });
    this.#sender = sender;
    this.#frameBytes = Math.max(frameBytes, VIDEO_HEADER_BYTES);
    this.tally = {
      kind: 'video',
      node: nodeOf(session, 'video'),
      sent: 0,
      received: 0,
      expected: 0,
      latenciesMs: [],
    };
    this.client.on('frame', (frame) => this.#onFrame(frame));
  }

  sendFrame(): void {
    const frame = Buffer.alloc(this.#frameBytes, this.#frameId & 0xff);
    frame.writeUInt32BE(VIDEO_MAGIC, 0);
    frame.writeUInt32BE(this.#sender, 4);
    frame.writeDoubleBE(performance.now(), 8);
    this.#frameId++;
    this.client.sendFrame(frame);
    this.tally.sent++;
  }

  #onFrame(frame: ReceivedVideoFrame): void {
    if (frame.jpeg.length < VIDEO_HEADER_BYTES || frame.jpeg.readUInt32BE(0) !== VIDEO_MAGIC)
      return;
    this.tally.received++;
    this.tally.latenciesMs.push(performance.now() - frame.jpeg.readDoubleBE(8));
  }
}

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return results;
}

/**
 * Joins `rooms × perRoom` emulated participants, streams tones (audio) and frames (video) for
 * the duration, and reports per kind and per media node what was sent, what arrived, the loss
 * and the latency. Everyone is in this one process, so send and receive times share a clock.
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadReportLine[]> {
  const log = options.log ?? (() => undefined);
  const prefix = options.meetingPrefix ?? 'load-';
  const kinds: LoadKind[] = [
    ...(options.audio ? (['audio'] as const) : []),
    ...(options.video ? (['video'] as const) : []),
  ];
  const seats = Array.from({ length: options.rooms * options.perRoom }, (_, i) => ({
    room: Math.floor(i / options.perRoom),
    seat: i % options.perRoom,
  }));
  log(`joining ${seats.length} participants in ${options.rooms} rooms`);
  const sessions = await inBatches(seats, JOIN_CONCURRENCY, async ({ room, seat }) => {
    const session = new Session({
      host: options.host,
      port: options.port,
      username: `load${seat}`,
      meetingId: `${prefix}${room}`,
      media: kinds,
    });
    await session.connect();
    return session;
  });

  const markers: RoomMarker[] = Array.from({ length: options.rooms }, () => ({
    id: 0,
    sentAtMs: 0,
  }));
  const audio: AudioLeg[] = [];
  const video: VideoLeg[] = [];
  let clock: MixClock | null = null;
  let videoTimer: NodeJS.Timeout | null = null;
  try {
    if (options.audio) {
      const info = sessions[0].joinInfo;
      const frameSamples = info?.audioFrameSamples || 512;
      const sampleRate = info?.audioSampleRate || 44_100;
      sessions.forEach((session, i) =>
        audio.push(new AudioLeg(session, markers[seats[i].room], frameSamples, sampleRate)),
      );
      await Promise.all(audio.map((leg) => leg.start()));
      const voices = seats.map(({ seat }) =>
        tone(SPEAKER_BIN + (seat % SPEAKER_BINS), SPEAKER_LEVEL, frameSamples),
      );
      const marker = tone(MARKER_BIN, MARKER_LEVEL, frameSamples);
      clock = new MixClock((frameSamples / sampleRate) * 1000, ({ index }) => {
        const markNow = index % MARKER_EVERY === MARKER_EVERY - 1;
        audio.forEach((leg, i) => {
          if (markNow && seats[i].seat === 0) {
            const room = markers[seats[i].room];
            room.id++;
            room.sentAtMs = performance.now();
            leg.send(marker);
          } else leg.send(voices[i]);
        });
      });
      clock.start();
    }
    if (options.video) {
      sessions.forEach((session, i) =>
        video.push(new VideoLeg(session, i, options.videoFrameBytes ?? 6_000)),
      );
      await Promise.all(video.map((leg) => leg.client.start()));
      // The relay learns each receiver's address from its first keepalive: let those land
      // before the first frames, or they would count as lost.
      await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
      videoTimer = setInterval(
        () => video.forEach((leg) => leg.sendFrame()),
        1000 / (options.videoFps ?? 10),
      );
    }
    log(`streaming ${kinds.join(' and ')} for ${options.durationMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, options.durationMs));
    clock?.close();
    if (videoTimer !== null) clearInterval(videoTimer);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  } finally {
    clock?.close();
    if (videoTimer !== null) clearInterval(videoTimer);
    audio.forEach((leg) => leg.close());
    video.forEach((leg) => leg.client.close());
    sessions.forEach((session) => session.close());
  }
  // A frame sent reaches everyone else in its room.
  video.forEach((leg, i) => {
    leg.tally.expected = video
      .filter((other, j) => j !== i && seats[j].room === seats[i].room)
      .reduce((total, other) => total + other.tally.sent, 0);
  });
  return summarise([...audio, ...video].map((leg) => leg.tally));
}
