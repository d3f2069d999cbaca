import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { JitterBuffer, MixClock } from '@sapora/media';
import {
  AUDIO_FRAME_SAMPLES,
  AUDIO_JITTER_MAX_MS,
  AUDIO_SAMPLE_RATE,
  DatagramFlags,
  DatagramKind,
  decodeMediaDatagram,
  encodeAudioDatagram,
  participantIdFromBytes,
  readAudioSamples,
} from '@sapora/protocol';
import { MediaSocket, mediaTarget } from '../media/media-socket';
import { Session } from '../session';

/** Mixes in a row that must name a voice before it counts as speaking. */
const SPEAKING_MIXES = 3;
/** Mixes in a row naming nobody before the speaking voice counts as stopped. */
const SILENT_MIXES = 20;

/** Where outgoing audio comes from: one frame per call, or null for "nothing to say". */
export interface AudioSource {
  /** The next frame to send, or null when there is nothing to say this frame. */
  next(): Int16Array | null;
  /** Called when streaming stops. */
  close?(): void;
}

/** How an AudioClient reaches the audio service and in which format. */
export interface AudioClientOptions {
  /** A joined session: its token opens the stream, its server host is the default audio host. */
  session: Session;
  /** Pin the audio service's host (by default the session says where the room's mixer is, and follows it when it moves). */
  host?: string;
  /** Pin the audio service's port (see host). */
  port?: number;
  /** Samples per frame; by default what the server announced at the join. */
  frameSamples?: number;
  /** Samples per second; by default what the server announced at the join. */
  sampleRate?: number;
  /** Longest the playout buffer holds (200 ms by default). */
  playoutMaxMs?: number;
  /** How often to tell the server where we are when not sending (1000 ms by default). */
  keepaliveMs?: number;
}

/** What an AudioClient emits. */
export interface AudioClientEvents {
  /** One playout frame per frame period while receiving: the room's mix, or silence. */
  frame: [Int16Array];
  /** A mix datagram as it arrived, before the playout buffer (for meters and tests). */
  mix: [Int16Array];
  /**
   * The loudest voice in what this participant hears changed: their participant id, or null
   * when nobody speaks (the mixer says so in each mix; a change must last a few frames).
   */
  speaking: [string | null];
  /** A socket error (only emitted when someone listens). */
  error: [Error];
}

/** Counts of what an AudioClient did. */
export interface AudioClientStats {
  /** Audio datagrams sent. */
  sent: number;
  /** Mix datagrams received. */
  received: number;
  /** Datagrams received that were not valid audio. */
  malformed: number;
  /** Frames played out. */
  played: number;
  /** Frames the source had nothing for. */
  silentFrames: number;
  /** Frames waiting in the playout buffer now. */
  playoutDepth: number;
  /** Datagrams dropped unopened: not sealed under the room's key, or replayed (sealed media). */
  rejected: number;
}

/**
 * A participant's audio: streams frames from a source to the audio service, and plays the
 * room's mix (everyone but this participant) out of a playout buffer at a steady pace.
 */
export class AudioClient extends EventEmitter<AudioClientEvents> {
  readonly #session: Session;
  readonly #socket: MediaSocket;
  readonly #frameSamples: number;
  readonly #sampleRate: number;
  readonly #playout: JitterBuffer;
  readonly #silence: Int16Array;
  readonly #scratch: Int16Array;
  readonly #stats: Omit<AudioClientStats, 'playoutDepth' | 'rejected'> = {
    sent: 0,
    received: 0,
    malformed: 0,
    played: 0,
    silentFrames: 0,
  };
  #sendClock: MixClock | null = null;
  #playClock: MixClock | null = null;
  #source: AudioSource | null = null;
  #timestamp = 0;
  #muted = false;
  #speaking: string | null = null;
  /** The loudest voice the last mix named (its id bytes), and for how many mixes in a row. */
  #heard: Buffer = Buffer.alloc(16);
  #heardFor = 0;
  /** Ends `speaking` when mixes stop coming at all (the only voice went quiet or left). */
  #quiet: NodeJS.Timeout | null = null;

  constructor(options: AudioClientOptions) {
    super();
    this.#session = options.session;
    // The format the server announced when this session joined, unless told otherwise.
    const joined = options.session.joinInfo;
    this.#frameSamples = options.frameSamples ?? (joined?.audioFrameSamples || AUDIO_FRAME_SAMPLES);
    this.#sampleRate = options.sampleRate ?? (joined?.audioSampleRate || AUDIO_SAMPLE_RATE);
    this.#socket = new MediaSocket(
      options.session,
      'audio',
      mediaTarget(options, 'audio'),
      options.keepaliveMs ?? 1_000,
      (bytes) => this.#onDatagram(bytes),
      (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
    );
    this.#playout = new JitterBuffer({
      frameSamples: this.#frameSamples,
      sampleRate: this.#sampleRate,
      maxDelayMs: options.playoutMaxMs ?? AUDIO_JITTER_MAX_MS,
      minDepth: 2,
    });
    this.#silence = new Int16Array(this.#frameSamples);
    this.#scratch = new Int16Array(this.#frameSamples);
  }

  /** Samples per second of what it sends and plays (the mixer's rate). */
  get sampleRate(): number {
    return this.#sampleRate;
  }

  /** Samples in one frame (what sendFrame() takes and 'mix' gives). */
  get frameSamples(): number {
    return this.#frameSamples;
  }

  /** How long one frame lasts, in milliseconds. */
  get frameMs(): number {
    return (this.#frameSamples / this.#sampleRate) * 1000;
  }
  /** The loudest voice in what this participant hears now (see the 'speaking' event). */
  get speaking(): string | null {
    return this.#speaking;
  }

  /** Whether sending is muted. */
  get muted(): boolean {
    return this.#muted;
  }
  /** What it sent, received and played, and how deep the playout buffer is now (frames). */
  get stats(): AudioClientStats {
    return {
      ...this.#stats,
      playoutDepth: this.#playout.stats.depth,
      rejected: this.#socket.rejected,
    };
  }

  /** Opens the UDP socket and tells the server where this participant listens. */
  async start(): Promise<void> {
    await this.#socket.open();
  }

  /** Sends a frame from the source every frame period, on a drift-free clock. */
  startStreaming(source: AudioSource): void {
    this.stopStreaming();
    this.#source = source;
    this.#sendClock = new MixClock(this.frameMs, () => this.#sendFrame());
    this.#sendClock.start();
  }

  /** Stops sending (keepalives go on, so the mix still arrives). */
  stopStreaming(): void {
    this.#sendClock?.close();
    this.#sendClock = null;
    this.#source?.close?.();
    this.#source = null;
  }

  /** Plays the mix: one 'frame' event per frame period (silence when nobody speaks). */
  startReceiving(sink?: (frame: Int16Array) => void): void {
    if (sink !== undefined) this.on('frame', sink);
    if (this.#playClock !== null) return;
    this.#playClock = new MixClock(this.frameMs, () => {
      const frame = this.#playout.pull();
      if (frame === null) this.#stats.silentFrames++;
      else this.#stats.played++;
      this.emit('frame', frame ?? this.#silence);
    });
    this.#playClock.start();
  }

  /** Stops playing out (datagrams still arrive). */
  stopReceiving(): void {
    this.#playClock?.close();
    this.#playClock = null;
  }

  /** Muted: nothing is sent (keepalives still are), and the room's list shows it. */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    this.#session.setMuted(muted);
  }

  /** Stops everything; safe to call twice. */
  close(): void {
    if (this.#quiet !== null) clearTimeout(this.#quiet);
    this.#quiet = null;
    this.stopStreaming();
    this.stopReceiving();
    this.#socket.close();
  }

  /**
   * Sends one frame now, for a program with a clock of its own (the gateway forwards a browser's
   * microphone frame by frame as they arrive). Nothing is sent while muted. Use either this or
   * startStreaming(), not both.
   */
  sendFrame(frame: Int16Array): void {
    this.#timestamp = (this.#timestamp + this.#frameSamples) >>> 0;
    const token = this.#socket.token;
    if (token === undefined || this.#muted) return;
    this.#socket.send(
      encodeAudioDatagram(token, this.#socket.nextSequence(), this.#timestamp, frame),
    );
    this.#stats.sent++;
  }

  #sendFrame(): void {
    const token = this.#socket.token;
    const frame = this.#source?.next() ?? null;
    this.#timestamp = (this.#timestamp + this.#frameSamples) >>> 0;
    if (token === undefined || this.#muted || frame === null) return;
    this.#socket.send(
      encodeAudioDatagram(token, this.#socket.nextSequence(), this.#timestamp, frame),
    );
    this.#stats.sent++;
  }

  /** Follows the mixer's loudest voice: a new one after 3 mixes, nobody after 20 (230 ms). */
  #hear(token: Buffer): void {
    this.#quiet?.refresh();
    if (token.equals(this.#heard)) this.#heardFor++;
    else {
      token.copy(this.#heard);
      this.#heardFor = 1;
    }
    const nobody = this.#heard.every((byte) => byte === 0);
    if (this.#heardFor !== (nobody ? SILENT_MIXES : SPEAKING_MIXES)) return;
    this.#setSpeaking(nobody ? null : participantIdFromBytes(this.#heard));
  }

  #setSpeaking(speaking: string | null): void {
    if (speaking === this.#speaking) return;
    this.#speaking = speaking;
    if (this.#quiet !== null) clearTimeout(this.#quiet);
    this.#quiet =
      speaking === null
        ? null
        : setTimeout(() => {
            this.#heard.fill(0);
            this.#heardFor = 0;
            this.#setSpeaking(null);
          }, SILENT_MIXES * this.frameMs);
    this.emit('speaking', speaking);
  }

  #onDatagram(bytes: Buffer): void {
    try {
      const datagram = decodeMediaDatagram(bytes);
      if (datagram.kind !== DatagramKind.Audio || (datagram.flags & DatagramFlags.Silence) !== 0)
        return;
      if (readAudioSamples(datagram.body, this.#scratch) !== this.#frameSamples)
        throw new Error('mix of the wrong frame size');
      this.#stats.received++;
      this.#hear(datagram.token);
      if (this.listenerCount('mix') > 0) this.emit('mix', Int16Array.from(this.#scratch));
      this.#playout.push(datagram.sequence, datagram.timestamp, this.#scratch, performance.now());
    } catch {
      this.#stats.malformed++;
    }
  }
}
