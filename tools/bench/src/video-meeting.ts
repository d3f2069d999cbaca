/**
 * A video meeting as load: `senders` of the `sockets` members each send a 30–60 KB frame at
 * 15 fps, cut into datagrams of a given size (or whole, one datagram per frame, for the seed's
 * design), and every member counts the frames that arrive whole and how long each took from
 * its send to its last piece. The target's CPU comes from /proc (all its threads), so the
 * figure is the relay's own, whatever else runs on the machine.
 */
import { createSocket, Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import {
  DATAGRAM_HEADER_LENGTH,
  DATAGRAM_SEQUENCE_OFFSET,
  DatagramKind,
  encodeKeepalive,
  encodeVideoFragment,
  VIDEO_COUNT_OFFSET,
  VIDEO_FRAGMENT_HEADER_LENGTH,
  VIDEO_FRAME_ID_OFFSET,
  videoPieceBytes,
} from '@sapora/protocol';
import { SessionMediaSeal } from '@sapora/client';
import { processCpuMs } from './process-cpu';
import { Samples } from './stats';

const FPS = 15;
/** Distinct frames each sender cycles through. */
const FRAMES_PER_SENDER = 12;
const PIECE_OFFSET = DATAGRAM_HEADER_LENGTH + VIDEO_FRAGMENT_HEADER_LENGTH;
const FRAME_ID_AT = DATAGRAM_HEADER_LENGTH + VIDEO_FRAME_ID_OFFSET;
const COUNT_AT = DATAGRAM_HEADER_LENGTH + VIDEO_COUNT_OFFSET;
/** The largest datagram a UDP socket sends (IPv4): a whole frame fits on loopback. */
const WHOLE_FRAME = 65_507;

export interface MeetingOptions {
  /** Where the relay listens (127.0.0.1). */
  port: number;
  /** Media tokens of the members, in order: the first `senders` send. */
  tokens: Buffer[];
  senders: number;
  /** Datagram size: the frame is cut into pieces to fit; WHOLE for one datagram per frame. */
  datagramBytes: number | 'whole';
  /** Pid of the relay, for its CPU time. */
  relayPid: number;
  seconds: number;
  /** Frames per second per sender (15 by default). */
  fps?: number;
  /** Send the first sender's datagrams here instead (a lossy proxy in front of the relay). */
  firstSenderVia?: number;
  /**
   * Sealed media: each member's seal (by the members' order), which seals what it sends and
   * opens what it receives. Without it the members' media is plain.
   */
  seals?: SessionMediaSeal[];
}

export interface MeetingResult {
  datagramBytes: number | 'whole';
  datagramsPerFrame: number;
  framesSent: number;
  framesOwed: number;
  framesDelivered: number;
  deliveredPct: number;
  relayCpuMs: number;
  cpuUsPerFrame: number;
  /** Per frame owed (sent × receivers): the relay's work whether or not a receiver kept up. */
  cpuUsPerOwedFrame: number;
  relayCpuPct: number;
  latency: ReturnType<Samples['summary']>;
}

/** Pre-encoded datagrams of one sender's frames; send time and ids are written at send. */
function encodeFrames(token: Buffer, sender: number, datagramBytes: number | 'whole'): Buffer[][] {
  const piece = videoPieceBytes(datagramBytes === 'whole' ? WHOLE_FRAME : datagramBytes);
  return Array.from({ length: FRAMES_PER_SENDER }, (_, i) => {
    let size = 30_000 + (((sender * FRAMES_PER_SENDER + i) * 7919) % 30_000);
    // Every piece carries the send time (8 bytes), the last one too.
    if (size % piece > 0 && size % piece < 8) size += 8;
    const frame = Buffer.alloc(size, sender * 16 + i);
    const count = Math.ceil(size / piece);
    // The seed's design: the whole JPEG in one datagram, past what the protocol allows now.
    if (datagramBytes === 'whole')
      return [
        Buffer.concat([
          encodeVideoFragment(token, 0, 0, {
            frameId: 0,
            index: 0,
            count: 1,
            piece: Buffer.alloc(0),
          }),
          frame,
        ]),
      ];
    return Array.from({ length: count }, (_, index) =>
      encodeVideoFragment(token, 0, 0, {
        frameId: 0,
        index,
        count,
        piece: frame.subarray(index * piece, (index + 1) * piece),
      }),
    );
  });
}

async function udpSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(8 * 1024 * 1024);
  socket.setSendBufferSize(8 * 1024 * 1024);
  return socket;
}

/** Per receiver and sender: the frame being put together. */
interface Partial {
  frameId: number;
  got: number;
}

export async function runMeeting(options: MeetingOptions): Promise<MeetingResult> {
  const { port, tokens, senders, datagramBytes, seconds } = options;
  const fps = options.fps ?? FPS;
  const sockets = await Promise.all(tokens.map(() => udpSocket()));
  const latency = new Samples();
  let delivered = 0;
  let measuring = false;
  for (const [member, socket] of sockets.entries()) {
    // Keyed by the first word of the sender id the relay writes over the token.
    const partials = new Map<number, Partial>();
    const seal = options.seals?.[member];
    socket.on('message', (received: Buffer) => {
      const datagram = seal === undefined ? received : seal.open(received);
      if (
        datagram === null ||
        datagram.length < PIECE_OFFSET + 8 ||
        datagram[1] !== (DatagramKind.VideoFragment as number)
      )
        return;
      const from = datagram.readUInt32BE(4);
      const frameId = datagram.readUInt32BE(FRAME_ID_AT);
      let partial = partials.get(from);
      if (partial === undefined) {
        partial = { frameId, got: 0 };
        partials.set(from, partial);
      }
      if (partial.frameId !== frameId) {
        partial.frameId = frameId;
        partial.got = 0;
      }
      partial.got++;
      if (partial.got === datagram.readUInt16BE(COUNT_AT) && measuring) {
        delivered++;
        latency.add(performance.now() - datagram.readDoubleLE(PIECE_OFFSET));
      }
    });
  }
  const sealed = (member: number, datagram: Buffer): Buffer =>
    options.seals?.[member].seal(datagram) ?? datagram;
  const hello = (): void =>
    sockets.forEach((socket, i) =>
      socket.send(sealed(i, encodeKeepalive(tokens[i], 0)), port, '127.0.0.1'),
    );
  hello();
  await new Promise((resolve) => setTimeout(resolve, 300));
  hello();
  await new Promise((resolve) => setTimeout(resolve, 100));

  const frames = Array.from({ length: senders }, (_, s) =>
    encodeFrames(tokens[s], s, datagramBytes),
  );
  const datagramsPerFrame =
    frames.flat().reduce((total, pieces) => total + pieces.length, 0) /
    (senders * FRAMES_PER_SENDER);
  const periodMs = 1000 / fps;
  const sent = new Array<number>(senders).fill(0);
  let sequence = 0;
  let framesSent = 0;
  const sendFrame = (s: number): void => {
    const pieces = frames[s][sent[s] % FRAMES_PER_SENDER];
    const frameId = ++sent[s];
    const target = s === 0 && options.firstSenderVia !== undefined ? options.firstSenderVia : port;
    const now = performance.now();
    for (const datagram of pieces) {
      datagram.writeUInt32BE(++sequence >>> 0, DATAGRAM_SEQUENCE_OFFSET);
      datagram.writeUInt32BE(frameId, FRAME_ID_AT);
      datagram.writeDoubleLE(now, PIECE_OFFSET);
      sockets[s].send(sealed(s, datagram), target, '127.0.0.1');
    }
    framesSent++;
  };

  measuring = true;
  const cpuBefore = processCpuMs(options.relayPid);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      if (elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      // Senders start a staggered fraction of a period apart, as cameras would.
      for (let s = 0; s < senders; s++) {
        const due = Math.floor((elapsed + (s * periodMs) / senders) / periodMs);
        while (sent[s] < due) sendFrame(s);
      }
    }, 2);
  });
  // Let the last frames arrive; a frame not whole by then counts as lost.
  const owed = framesSent * (tokens.length - 1);
  const drainUntil = performance.now() + 1_000;
  while (delivered < owed && performance.now() < drainUntil)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const relayCpuMs = processCpuMs(options.relayPid) - cpuBefore;
  const wallMs = performance.now() - started;
  measuring = false;
  await Promise.all(
    sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
  );
  return {
    datagramBytes,
    datagramsPerFrame,
    framesSent,
    framesOwed: owed,
    framesDelivered: delivered,
    deliveredPct: (100 * delivered) / owed,
    relayCpuMs,
    cpuUsPerFrame: (1000 * relayCpuMs) / Math.max(1, delivered),
    cpuUsPerOwedFrame: (1000 * relayCpuMs) / Math.max(1, owed),
    relayCpuPct: (100 * relayCpuMs) / wallMs,
    latency: latency.summary(),
  };
}
