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
  DEFAULT_PORTS,
  encodeAudioDatagram,
  readAudioSamples,
} from '@sapora/protocol';
import { MediaSocket } from '../media/media-socket';
import { Session } from '../session';

/** Where outgoing audio comes from: one frame per call, or null for "nothing to say". */
export interface AudioSource {
  next(): Int16Array | null;
  close?(): void;
}

export interface AudioClientOptions {
  /** A joined session: its token opens the stream, its server host is the default audio host. */
  session: Session;
  host?: string;
  port?: number;
  frameSamples?: number;
  sampleRate?: number;
  /** Longest the playout buffer holds (200 ms by default). */
  playoutMaxMs?: number;
  /** How often to tell the server where we are when not sending (1000 ms by default). */
  keepaliveMs?: number;
}

export interface AudioClientEvents {
  /** One playout frame per frame period while receiving: the room's mix, or silence. */
  frame: [Int16Array];
  /** A mix datagram as it arrived, before the playout buffer (for meters and tests). */
  mix: [Int16Array];
  error: [Error];
}

export interface AudioClientStats {
  sent: number;
  received: number;
  malformed: number;
  played: number;
  silentFrames: number;
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
  readonly #stats: AudioClientStats = {
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

  constructor(options: AudioClientOptions) {
    super();
    this.#session = options.session;
    this.#frameSamples = options.frameSamples ?? AUDIO_FRAME_SAMPLES;
    this.#sampleRate = options.sampleRate ?? AUDIO_SAMPLE_RATE;
    this.#socket = new MediaSocket(
      options.session,
      {
        host: options.host ?? options.session.server.host,
        port: options.port ?? DEFAULT_PORTS.audio,
        keepaliveMs: options.keepaliveMs ?? 1_000,
      },
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

  get frameMs(): number {
    return (this.#frameSamples / this.#sampleRate) * 1000;
  }
  get muted(): boolean {
    return this.#muted;
  }
  get stats(): AudioClientStats & { playoutDepth: number } {
    return { ...this.#stats, playoutDepth: this.#playout.stats.depth };
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
    this.stopStreaming();
    this.stopReceiving();
    this.#socket.close();
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

  #onDatagram(bytes: Buffer): void {
    try {
      const datagram = decodeMediaDatagram(bytes);
      if (datagram.kind !== DatagramKind.Audio || (datagram.flags & DatagramFlags.Silence) !== 0)
        return;
      if (readAudioSamples(datagram.body, this.#scratch) !== this.#frameSamples)
        throw new Error('mix of the wrong frame size');
      this.#stats.received++;
      if (this.listenerCount('mix') > 0) this.emit('mix', Int16Array.from(this.#scratch));
      this.#playout.push(datagram.sequence, datagram.timestamp, this.#scratch, performance.now());
    } catch {
      this.#stats.malformed++;
    }
  }
}
