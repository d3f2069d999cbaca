import { EventEmitter } from 'node:events';
import {
  ErrorCode,
  MessageType,
  SCREEN_FPS,
  SCREEN_TO_CLIENT_LIMITS,
  ScreenRole,
  ScreenState,
} from '@sapora/protocol';
import { ControlConnection, ControlFrame } from '../control/control-connection';
import { SaporaError } from '../sapora-error';
import { mediaTarget, MediaTarget } from '../media/media-socket';
import { ResolvedEndpoint, Session } from '../session';
import { VideoSource } from '../video/video-client';

export type { ScreenState } from '@sapora/protocol';

/** One shared-screen image as a viewer receives it. */
export interface ScreenFrame {
  /** The JPEG, byte for byte as the presenter sent it. */
  jpeg: Buffer;
  /** The presenter's frame number: gaps are frames this viewer skipped. */
  sequence: number;
  /** When it arrived (ms since the epoch). */
  receivedAtMs: number;
}

/** Counts of what a ScreenShareClient did. */
export interface ScreenShareStats {
  /** Frames sent (as presenter). */
  sent: number;
  /** Frames skipped because the network was behind (as presenter). */
  skipped: number;
  /** Frames received (as viewer). */
  received: number;
}

/** What a ScreenShareClient emits. */
export interface ScreenShareEvents {
  /** Who presents now, and why it changed ("started", "stopped", "disconnected", "left"). */
  state: [ScreenState];
  /** A shared image, as a viewer (the newest: a slow viewer skips, never lags). */
  frame: [ScreenFrame];
  /** A non-fatal refusal from the service, e.g. a frame over its size limit. */
  error: [SaporaError];
  /** The connection to the screen service ended. */
  closed: [];
}

/** How a ScreenShareClient reaches the screen service. */
export interface ScreenShareClientOptions {
  /** A joined session: its token opens the share. */
  session: Session;
  /** Pin the screen service's host (by default the session says where the room's is, and the client follows it when it moves). */
  host?: string;
  /** Pin the screen service's port (see host). */
  port?: number;
  /** How long to wait for a connection (5000 ms by default). */
  connectTimeoutMs?: number;
  /**
   * A presenter whose connection holds more than this unsent skips frames (newest wins) rather
   * than queueing stale ones: 512 KiB by default, about two large frames.
   */
  maxPendingBytes?: number;
}

/** What present() may be given. */
export interface PresentOptions {
  /** Frames to share, taken at `fps` (a screen capture, a test pattern). Without one, call push(). */
  source?: VideoSource;
  /** Frames per second taken from the source (10 by default). */
  fps?: number;
  /** Each frame as it is sent, for a local preview. */
  onPreview?: (jpeg: Buffer) => void;
}

/**
 * Screen sharing through the screen service: present (frames from a source such as
 * `FfmpegVideoSource.screen()`, or pushed by the embedding program) or view (a 'frame' event
 * per image). One connection, one role; `stop()` ends it.
 */
export class ScreenShareClient extends EventEmitter<ScreenShareEvents> {
  readonly #session: Session;
  readonly #target: MediaTarget;
  readonly #connectTimeoutMs: number;
  readonly #maxPendingBytes: number;
  readonly #stats = { sent: 0, skipped: 0, received: 0 };
  #connection: ControlConnection | null = null;
  #state: ScreenState | null = null;
  #timer: NodeJS.Timeout | null = null;
  #source: VideoSource | null = null;
  #onPreview: ((jpeg: Buffer) => void) | undefined;
  /** The role this client holds (to take up again on the room's new node), or null. */
  #role: ScreenRole | null = null;
  readonly #onMoved = (endpoint: ResolvedEndpoint): void => {
    if (endpoint.kind === 'screen' && 'follow' in this.#target && this.#role !== null)
      void this.#move(this.#role);
  };

  constructor(options: ScreenShareClientOptions) {
    super();
    this.#session = options.session;
    this.#target = mediaTarget(options, 'screen');
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#maxPendingBytes = options.maxPendingBytes ?? 512 * 1024;
  }

  /** The room's share as last heard: who presents, if anyone. */
  get state(): ScreenState | null {
    return this.#state;
  }

  /** Frames sent and skipped (as presenter) and received (as viewer). */
  get stats(): ScreenShareStats {
    return { ...this.#stats };
  }

  /**
   * Starts presenting. Rejects with a SaporaError (`ScreenBusy`, naming the presenter) when
   * someone else in the room is already sharing.
   */
  async present(options: PresentOptions = {}): Promise<ScreenState> {
    const state = await this.#open(ScreenRole.Presenter);
    this.#onPreview = options.onPreview;
    if (options.source !== undefined) {
      const source = options.source;
      this.#source = source;
      this.#timer = setInterval(
        () => {
          const jpeg = source.next();
          if (jpeg !== null) this.push(jpeg);
        },
        1000 / (options.fps ?? SCREEN_FPS),
      );
    }
    return state;
  }

  /**
   * Shares one JPEG. Returns false when it was skipped because the network is behind (the
   * next frame will be newer anyway) or the share is not on.
   */
  push(jpeg: Buffer): boolean {
    const connection = this.#connection;
    if (connection === null || connection.closed) return false;
    if (connection.pendingBytes > this.#maxPendingBytes) {
      this.#stats.skipped++;
      return false;
    }
    connection.sendRaw(MessageType.ScreenFrame, jpeg);
    this.#stats.sent++;
    this.#onPreview?.(jpeg);
    return true;
  }

  /** Starts viewing the room's share (if any, the newest frame arrives at once). */
  async view(onFrame?: (frame: ScreenFrame) => void): Promise<ScreenState> {
    if (onFrame !== undefined) this.on('frame', onFrame);
    return this.#open(ScreenRole.Viewer);
  }

  /** Ends presenting or viewing; the room is told when a presenter stops. */
  async stop(): Promise<void> {
    this.#role = null;
    this.#session.off('mediaMoved', this.#onMoved);
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#source?.close?.();
    this.#source = null;
    const connection = this.#connection;
    if (connection === null || connection.closed) return;
    connection.send(MessageType.ScreenStop);
    const closed = new Promise<void>((resolve) => connection.once('close', resolve));
    connection.end();
    await closed;
  }

  /**
   * The room's screen service moved (its node failed or drains): leave the old one, then take
   * up the same role on the new one; a presenter's frames go on from its source or push().
   */
  async #move(role: ScreenRole): Promise<void> {
    const old = this.#connection;
    this.#connection = null;
    if (old !== null && !old.closed) {
      const closed = new Promise<void>((resolve) => old.once('close', resolve));
      old.end();
      await closed;
    }
    try {
      await this.#open(role);
    } catch (error) {
      if (this.listenerCount('error') > 0)
        this.emit(
          'error',
          error instanceof SaporaError
            ? error
            : new SaporaError(ErrorCode.Unavailable, (error as Error).message),
        );
    }
  }

  async #open(role: ScreenRole): Promise<ScreenState> {
    if (this.#connection !== null && !this.#connection.closed)
      throw new Error('this screen share client is already presenting or viewing');
    const token = this.#session.sessionToken;
    if (token === undefined)
      throw new SaporaError(
        ErrorCode.NotJoined,
        'join a meeting before sharing or viewing a screen',
      );
    const to = 'follow' in this.#target ? this.#session.endpoint('screen') : this.#target;
    const connection = await ControlConnection.open(
      to.host,
      to.port,
      this.#connectTimeoutMs,
      SCREEN_TO_CLIENT_LIMITS,
      this.#session.trust,
    );
    this.#role = role;
    this.#session.off('mediaMoved', this.#onMoved);
    this.#session.on('mediaMoved', this.#onMoved);
    this.#connection = connection;
    return new Promise<ScreenState>((resolve, reject) => {
      let opened = false;
      connection.on('frame', (frame: ControlFrame) => {
        if (frame.type === MessageType.ScreenFrame) {
          this.#stats.received++;
          this.emit('frame', {
            jpeg: frame.payload,
            sequence: frame.sequence,
            receivedAtMs: Date.now(),
          });
        } else if (frame.type === MessageType.ScreenState) {
          this.#state = frame.payload;
          if (!opened) {
            opened = true;
            resolve(frame.payload);
          }
          this.emit('state', frame.payload);
        } else if (frame.type === MessageType.Error) {
          const error = new SaporaError(
            frame.payload.code,
            frame.payload.message,
            frame.payload.fatal,
          );
          if (!opened) {
            opened = true;
            // Refused: this client may open again at once, while this connection winds down.
            this.#connection = null;
            connection.end();
            reject(error);
          } else if (this.listenerCount('error') > 0) this.emit('error', error);
        }
      });
      connection.on('close', () => {
        if (!opened) {
          opened = true;
          reject(new Error('the screen service closed the connection'));
        }
        // A move, or a refused connection closing late, must not end the share opened after it.
        if (this.#connection !== connection) return;
        if (this.#timer !== null) clearInterval(this.#timer);
        this.#timer = null;
        this.emit('closed');
      });
      connection.send(MessageType.ScreenOpen, { sessionToken: token, role });
    });
  }
}
