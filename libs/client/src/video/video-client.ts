import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { FrameFragmenter, FrameReassembler } from '@sapora/media';
import {
  DatagramKind,
  decodeMediaDatagram,
  decodeVideoFragment,
  DEFAULT_PORTS,
  encodeVideoFragment,
  encodeVideoPrefs,
  participantIdFromBytes,
  participantIdToBytes,
  VIDEO_FPS,
} from '@sapora/protocol';
import { MediaSocket } from '../media/media-socket';
import { Session } from '../session';

/** Where outgoing video comes from: one JPEG per call, or null when there is no new frame. */
export interface VideoSource {
  next(): Buffer | null;
  close?(): void;
}

export interface ReceivedVideoFrame {
  participantId: string;
  /** The sender's name from the room's participant list ('' if not known yet). */
  username: string;
  frameId: number;
  jpeg: Buffer;
}

export interface VideoClientOptions {
  session: Session;
  host?: string;
  port?: number;
  /** A frame whose fragments do not all arrive within this long is dropped (400 ms by default). */
  reassemblyTimeoutMs?: number;
  keepaliveMs?: number;
}

export interface VideoClientEvents {
  frame: [ReceivedVideoFrame];
  error: [Error];
}

/**
 * A participant's video: sends JPEG frames cut into datagram-sized fragments, and puts the
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
      {
        host: options.host ?? options.session.server.host,
        port: options.port ?? DEFAULT_PORTS.video,
        keepaliveMs: options.keepaliveMs ?? 1_000,
      },
      (bytes) => this.#onDatagram(bytes),
      (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    );
  }

  get stats(): {
    framesSent: number;
    datagramsSent: number;
    framesReceived: number;
    malformed: number;
    dropped: number;
  } {
    let dropped = 0;
    for (const reassembler of this.#reassemblers.values()) dropped += reassembler.stats.dropped;
    return { ...this.#stats, dropped };
  }

  async start(): Promise<void> {
    await this.#socket.open();
  }

  /** Sends one JPEG frame now (for tools that push their own frames). */
  sendFrame(jpeg: Buffer): void {
    const token = this.#socket.token;
    if (token === undefined) return;
    const timestamp = Math.floor(performance.now());
    for (const piece of this.#fragmenter.fragment(jpeg)) {
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
