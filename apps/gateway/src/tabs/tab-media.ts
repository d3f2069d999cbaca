import { AudioClient, ScreenShareClient, Session, VideoClient } from '@sapora/client';
import {
  GATEWAY_CAMERA_FRAME_MAX_BYTES,
  GATEWAY_ERROR_CODES,
  GATEWAY_SHARE_FRAME_MAX_BYTES,
  MediaEvent,
  participantIdToUuidBytes,
} from '@sapora/protocol';
import { Logger } from '@sapora/service-kit';
import { HostPort } from '../servers/server-address';
import { GatewayError, toGatewayError } from '../socket/gateway-error';
import { TabSocket } from './tab-socket';

/** The state `media` events carry. */
export type MediaState = Omit<MediaEvent, 'type' | 'id'>;

/** A JPEG starts with its SOI marker; anything else is not a picture. */
function requireJpeg(payload: Uint8Array, what: string, limit: number): Buffer {
  if (payload.length > limit)
    throw new GatewayError(
      GATEWAY_ERROR_CODES.MessageTooLarge,
      `a ${what} may be ${limit} bytes; this one is ${payload.length}`,
    );
  if (payload.length < 4 || payload[0] !== 0xff || payload[1] !== 0xd8)
    throw new GatewayError(GATEWAY_ERROR_CODES.InvalidMessage, `a ${what} is one JPEG image`);
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/**
 * A joined tab's microphone, speakers, camera, video tiles and screen share: the gateway's
 * AudioClient and VideoClient for it (both follow the room's media nodes), and a presenter
 * connection to the screen service while it shares. Mix frames and camera frames go to the
 * tab as they arrive; the tab's own frames go to the services as they arrive, with no clock
 * and no queue in between.
 */
export class TabMedia {
  readonly #session: Session;
  readonly #screen: HostPort;
  readonly #socket: TabSocket;
  readonly #logger: Logger;
  readonly #audio: AudioClient;
  readonly #video: VideoClient;
  readonly #micSamples: Int16Array;
  readonly #micBytes: Uint8Array;
  readonly #paused = new Set<string>();
  /** Participant ids as the 16 bytes that start a VIDEO_FRAME, made once per sender. */
  readonly #senders = new Map<string, Uint8Array>();
  #presenter: ScreenShareClient | null = null;
  #mic = false;
  #camera = false;
  #mixSequence = 0;
  #closed = false;
  /** Told when a share ends without the tab asking (the screen service went away). */
  onShareEnded: (() => void) | null = null;

  constructor(session: Session, screen: HostPort, socket: TabSocket, logger: Logger) {
    this.#session = session;
    this.#screen = screen;
    this.#socket = socket;
    this.#logger = logger;
    this.#audio = new AudioClient({ session });
    this.#video = new VideoClient({ session });
    this.#micSamples = new Int16Array(this.#audio.frameSamples);
    this.#micBytes = new Uint8Array(this.#micSamples.buffer);
    this.#audio.on('error', (error) => logger.warn({ err: error }, 'audio socket error'));
    this.#video.on('error', (error) => logger.warn({ err: error }, 'video socket error'));
    this.#audio.on('mix', (samples) => {
      this.#mixSequence = (this.#mixSequence + 1) >>> 0;
      this.#socket.sendMix(this.#mixSequence, samples);
    });
    this.#video.on('frame', (frame) => {
      if (this.#paused.has(frame.participantId)) return;
      this.#socket.sendVideoFrame(
        frame.participantId,
        this.#sender(frame.participantId),
        frame.frameId,
        frame.jpeg,
      );
    });
    session.on('participants', (participants) => {
      // Senders who left: forget their ids and any frame of theirs still held for the tab.
      for (const id of this.#senders.keys())
        if (!participants.some((p) => p.participantId === id)) {
          this.#senders.delete(id);
          this.#socket.dropVideoFrames(id);
        }
    });
  }

  /** The mixer's format, for the `joined` event. */
  get audioFormat(): { sampleRate: number; frameSamples: number } {
    return { sampleRate: this.#audio.sampleRate, frameSamples: this.#audio.frameSamples };
  }

  get state(): MediaState {
    return {
      mic: this.#mic,
      camera: this.#camera,
      sharing: this.#presenter !== null,
      paused: [...this.#paused],
    };
  }

  /** Whether this tab presents (its own screen frames are then not sent back to it). */
  get sharing(): boolean {
    return this.#presenter !== null;
  }

  /** Opens the audio and video streams; the tab starts with its microphone off (muted). */
  async start(): Promise<void> {
    this.#audio.setMuted(true);
    await Promise.all([this.#audio.start(), this.#video.start()]);
  }

  /**
   * After `joined` has gone to the tab: who is speaking now (if anyone), then every change.
   * (Not before: the page keeps only what comes after `joined`.)
   */
  tellSpeaking(): void {
    const tell = (participantId: string | null): void =>
      this.#socket.send({ type: 'speaking', participantId });
    if (this.#audio.speaking !== null) tell(this.#audio.speaking);
    this.#audio.on('speaking', tell);
  }

  setMic(on: boolean): void {
    this.#mic = on;
    this.#audio.setMuted(!on);
  }

  setCamera(on: boolean): void {
    this.#camera = on;
  }

  /** The senders whose video the tab does not want now; the relay stops sending them. */
  setPaused(ids: string[]): void {
    const wanted = new Set(ids);
    for (const id of [...this.#paused])
      if (!wanted.has(id)) {
        this.#paused.delete(id);
        this.#video.setPaused(id, false);
      }
    for (const id of wanted)
      if (!this.#paused.has(id)) {
        this.#paused.add(id);
        this.#video.setPaused(id, true);
        this.#socket.dropVideoFrames(id);
      }
  }

  async setSharing(on: boolean): Promise<void> {
    if (!on) {
      const presenter = this.#presenter;
      this.#presenter = null;
      await presenter?.stop();
      return;
    }
    if (this.#presenter !== null) return;
    const presenter = new ScreenShareClient({
      session: this.#session,
      host: this.#screen.host,
      port: this.#screen.port,
    });
    try {
      await presenter.present();
    } catch (error) {
      throw toGatewayError(error);
    }
    if (this.#closed) {
      await presenter.stop();
      return;
    }
    this.#presenter = presenter;
    presenter.on('error', (error) => this.#logger.warn({ err: error }, 'screen share refused'));
    presenter.on('closed', () => {
      if (this.#presenter !== presenter) return;
      this.#presenter = null;
      this.onShareEnded?.();
    });
  }

  /** A MIC_FRAME: exactly one frame of the mixer's format; dropped while the mic is off. */
  receiveMic(payload: Uint8Array): void {
    if (payload.length !== this.#micBytes.length)
      throw new GatewayError(
        GATEWAY_ERROR_CODES.InvalidMessage,
        `a MIC_FRAME is ${this.#micSamples.length} 16-bit samples (${this.#micBytes.length} bytes); this one is ${payload.length} bytes`,
      );
    if (!this.#mic) return;
    // A copy into the tab's one frame buffer: the payload may sit at an odd offset.
    this.#micBytes.set(payload);
    this.#audio.sendFrame(this.#micSamples);
  }

  /** A CAMERA_FRAME: one JPEG; dropped while the camera is off (frames still on their way). */
  receiveCamera(payload: Uint8Array): void {
    const jpeg = requireJpeg(payload, 'CAMERA_FRAME', GATEWAY_CAMERA_FRAME_MAX_BYTES);
    if (this.#camera) this.#video.sendFrame(jpeg);
  }

  /** A SHARE_FRAME: one JPEG for the room's viewers; dropped when the share is not on. */
  receiveShare(payload: Uint8Array): void {
    const jpeg = requireJpeg(payload, 'SHARE_FRAME', GATEWAY_SHARE_FRAME_MAX_BYTES);
    this.#presenter?.push(jpeg);
  }

  /** Ends every stream; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#audio.close();
    this.#video.close();
    const presenter = this.#presenter;
    this.#presenter = null;
    await presenter?.stop();
  }

  #sender(participantId: string): Uint8Array {
    let bytes = this.#senders.get(participantId);
    if (bytes === undefined) {
      bytes = participantIdToUuidBytes(participantId);
      this.#senders.set(participantId, bytes);
    }
    return bytes;
  }
}
