import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { FrameFragmenter, FrameReassembler } from '@sapora/media';
import {
  DatagramKind,
  decodeMediaDatagram,
  decodeVideoFragment,
  encodeVideoFragment,
  encodeVideoPrefs,
  MAX_DATAGRAM_PAYLOAD,
  MAX_VIDEO_DATAGRAM_BYTES,
  MIN_VIDEO_DATAGRAM_BYTES,
  participantIdFromBytes,
  participantIdToBytes,
  VIDEO_FPS,
  videoPieceBytes,
} from '@sapora/protocol';
import { MediaSocket, mediaTarget } from '../media/media-socket';
import { Session } from '../session';

/** Where outgoing video comes from: one JPEG per call, or null when there is no new frame. */
export interface VideoSource {
  /** The newest JPEG frame to send, or null when none is ready. */
  next(): Buffer | null;
  /** Called when streaming stops. */
  close?(): void;
}

/** A frame from someone in the room, whole. */
export interface ReceivedVideoFrame {
  /** Who sent it. */
  participantId: string;
  /** The sender's name from the room's participant list ('' if not known yet). */
  username: string;
  /** The sender's frame number: it only grows. */
  frameId: number;
  /** The JPEG, byte for byte as sent. */
  jpeg: Buffer;
}

/** How a VideoClient reaches the video service. */
export interface VideoClientOptions {
  /** A joined session: its token opens the stream. */
  session: Session;
  /** Pin the video service's host (by default the session says where the room's relay is, and follows it when it moves). */
  host?: string;
  /** Pin the video service's port (see host). */
  port?: number;
  /** A frame whose fragments do not all arrive within this long is dropped (400 ms by default). */
  reassemblyTimeoutMs?: number;
  /** How often to tell the relay where we are when not sending (1000 ms by default). */
  keepaliveMs?: number;
}

/** Counts of what a VideoClient did. */
export interface VideoClientStats {
  /** Frames sent. */
  framesSent: number;
  /** Datagrams those frames took. */
  datagramsSent: number;
  /** Frames received whole. */
  framesReceived: number;
  /** Datagrams received that were not valid video. */
  malformed: number;
  /** Datagrams dropped unopened: not sealed under the room's key, or replayed (sealed media). */
  rejected: number;
  /** Frames dropped because a piece never came in time. */
  dropped: number;
}

/** What a VideoClient emits. */
export interface VideoClientEvents {
  /** A whole frame from someone in the room (never one older than the last from them). */
  frame: [ReceivedVideoFrame];
  /** A socket error (only emitted when someone listens). */
  error: [Error];
}

/**
 * A participant's video: sends JPEG frames cut into fragments of the size the server announced
 * (never a guess: 1200 bytes when it did not say), and puts the
 * room's frames back together per sender, in order, dropping the incomplete.
 */
export class VideoClient extends EventEmitter<VideoClientEvents> {
  readonly #session: Session;
  readonly #socket: MediaSocket;
  readonly #reassemblyTimeoutMs: number;
  readonly #fragmenter = new FrameFragmenter();
  readonly #reassemblers = new Map<string, FrameReassembler>();
  readonly #paused = new Set<string>();
  readonly #stats = { framesSent: 0, datagramsSent: 0, framesReceived: 0, malformed: 0 };
  #sendTimer: NodeJS.Timeout | null = null;
  #source: VideoSource | null = null;

  constructor(options: VideoClientOptions) {
    super();
    this.#session = options.session;
    this.#reassemblyTimeoutMs = options.reassemblyTimeoutMs ?? 400;
    this.#socket = new MediaSocket(
      options.session,
      'video',
      mediaTarget(options, 'video'),
      options.keepaliveMs ?? 1_000,
      (bytes) => this.#onDatagram(bytes),
      (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    );
  }

  /** What it sent and received. */
  get stats(): VideoClientStats {
    let dropped = 0;
    for (const reassembler of this.#reassemblers.values()) dropped += reassembler.stats.dropped;
    return { ...this.#stats, dropped, rejected: this.#socket.rejected };
  }

  /** Opens the socket and says hello to the relay; frames start arriving. */
  async start(): Promise<void> {
    await this.#socket.open();
  }

  /**
   * The largest datagram frames are cut to, header included: what the server announced when
   * the session joined (JoinReply.video_datagram_bytes), 1200 when it did not say.
   */
  get datagramBytes(): number {
    const announced = this.#session.joinInfo?.videoDatagramBytes || MAX_DATAGRAM_PAYLOAD;
    return Math.min(MAX_VIDEO_DATAGRAM_BYTES, Math.max(MIN_VIDEO_DATAGRAM_BYTES, announced));
  }

  /** Sends one JPEG frame now (for tools that push their own frames). */
  sendFrame(jpeg: Buffer): void {
    const token = this.#socket.token;
    if (token === undefined) return;
    const timestamp = Math.floor(performance.now());
    const maxPiece = videoPieceBytes(this.datagramBytes);
    for (const piece of this.#fragmenter.fragment(jpeg, maxPiece)) {
      this.#socket.send(encodeVideoFragment(token, this.#socket.nextSequence(), timestamp, piece));
      this.#stats.datagramsSent++;
    }
    this.#stats.framesSent++;
  }

  /** Sends what the source gives, `fps` times a second (15 by default, the seed's). */
  startStreaming(source: VideoSource, fps = VIDEO_FPS): void {
    this.stopStreaming();
    this.#source = source;
    this.#sendTimer = setInterval(() => {
      const frame = this.#source?.next() ?? null;
      if (frame !== null) this.sendFrame(frame);
    }, 1000 / fps);
  }

  /** Stops sending from the source. */
  stopStreaming(): void {
    if (this.#sendTimer !== null) clearInterval(this.#sendTimer);
    this.#sendTimer = null;
    this.#source?.close?.();
    this.#source = null;
  }

  /** Stops (or resumes) receiving one sender's video: the relay stops sending it to us. */
  setPaused(participantId: string, paused: boolean): void {
    if (paused) this.#paused.add(participantId);
    else this.#paused.delete(participantId);
    const token = this.#socket.token;
    if (token === undefined) return;
    const ids = [...this.#paused].map((id) => participantIdToBytes(id));
    this.#socket.send(encodeVideoPrefs(token, this.#socket.nextSequence(), ids));
  }

  /** Stops everything and closes the socket. */
  close(): void {
    this.stopStreaming();
    this.#socket.close();
  }

  #onDatagram(bytes: Buffer): void {
    let participantId: string;
    let fragment: ReturnType<typeof decodeVideoFragment>;
    try {
      const datagram = decodeMediaDatagram(bytes);
      if (datagram.kind !== DatagramKind.VideoFragment) return;
      participantId = participantIdFromBytes(datagram.token);
      fragment = decodeVideoFragment(datagram.body);
    } catch {
      this.#stats.malformed++;
      return;
    }
    let reassembler = this.#reassemblers.get(participantId);
    if (reassembler === undefined) {
      reassembler = new FrameReassembler({ timeoutMs: this.#reassemblyTimeoutMs });
      this.#reassemblers.set(participantId, reassembler);
    }
    const done = reassembler.push(fragment, performance.now());
    if (done === null) return;
    this.#stats.framesReceived++;
    const username =
      this.#session.participants.find((p) => p.participantId === participantId)?.username ?? '';
    this.emit('frame', { participantId, username, frameId: done.frameId, jpeg: done.frame });
  }
}
