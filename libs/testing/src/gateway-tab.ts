import WebSocket from 'ws';
import {
  BinaryKind,
  BinaryMessage,
  decodeBinaryMessage,
  encodeBinaryMessage,
  readVideoFrameSender,
  VIDEO_FRAME_SENDER_LENGTH,
  GATEWAY_SOCKET_PATH,
  GatewayCommand,
  GatewayEvent,
} from '@sapora/protocol';
import { scaledDeadline } from './wait-for';

type EventOf<T extends GatewayEvent['type']> = Extract<GatewayEvent, { type: T }>;
type CommandBody = GatewayCommand extends infer C
  ? C extends unknown
    ? Omit<C, 'id'>
    : never
  : never;

/** The gateway answered a command with `error`. */
export class GatewayTabError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'GatewayTabError';
  }
}

interface Waiter {
  test: (event: GatewayEvent) => boolean;
  resolve: (event: GatewayEvent) => void;
}

/**
 * A browser tab emulated in Node: one WebSocket to the gateway, sending what the page sends
 * and keeping what it hears (events, screen frames, file bytes), for tests and benchmarks.
 */
export class GatewayTab {
  readonly events: GatewayEvent[] = [];
  /** Screen frames received: sequence, JPEG length and the JPEG. */
  readonly frames: { sequence: number; bytes: number; at: number; jpeg: Buffer }[] = [];
  /** Mix frames received (MIX_FRAME), in order. */
  readonly mixes: Int16Array[] = [];
  /** Camera frames received (VIDEO_FRAME): who sent it, their frame number, the JPEG. */
  readonly videoFrames: { sender: string; frameId: number; jpeg: Buffer }[] = [];
  /** Mix and camera frames received, counted even when `keep` is off. */
  mixesReceived = 0;
  videoFramesReceived = 0;
  /** Called for every binary message as it arrives (benchmarks time them). */
  onBinary: ((message: BinaryMessage) => void) | null = null;
  /** Screen frames received, counted even when `keep` is off. */
  framesReceived = 0;
  /** FILE_DATA bytes by transfer. */
  readonly data = new Map<number, Buffer[]>();
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  #nextId = 1;
  #waiters: Waiter[] = [];
  /** Called for every event as it arrives (benchmarks time them). */
  onEvent: ((event: GatewayEvent) => void) | null = null;
  readonly #keep: boolean;

  private constructor(socket: WebSocket, keep: boolean) {
    this.socket = socket;
    this.#keep = keep;
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.#onBinary(data);
      else this.#onEvent(JSON.parse(data.toString()) as GatewayEvent);
    });
  }

  /**
   * Connects to a gateway ("https://127.0.0.1:5555/"); a self-signed certificate is accepted.
   * `keep: false` keeps no events or frames (a benchmark's thousands), only waits for them.
   */
  static async open(gatewayUrl: string, { keep = true } = {}): Promise<GatewayTab> {
    const url = new URL(GATEWAY_SOCKET_PATH, gatewayUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, { rejectUnauthorized: false });
    const tab = new GatewayTab(socket, keep);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    await tab.next('welcome');
    return tab;
  }

  /** Sends a binary message (MIC_FRAME, CAMERA_FRAME, SHARE_FRAME, FILE_CHUNK). */
  sendBinary(kind: BinaryKind, number: number, payload: Uint8Array): void {
    this.socket.send(encodeBinaryMessage(kind, number, payload));
  }

  /** Sends a command and returns its id. */
  send(command: CommandBody): number {
    const id = this.#nextId++;
    this.socket.send(JSON.stringify({ ...command, id }));
    return id;
  }

  /** Sends a command; resolves with the event answering it, rejects on the gateway's `error`. */
  async request<T extends GatewayEvent['type']>(
    command: CommandBody,
    answer: T,
    timeoutMs = 15_000,
  ): Promise<EventOf<T>> {
    const id = this.send(command);
    const event = await this.next(
      (e): e is EventOf<T> | EventOf<'error'> =>
        'id' in e && e.id === id && (e.type === answer || e.type === 'error'),
      timeoutMs,
    );
    if (event.type === 'error') {
      const refused = event as EventOf<'error'>;
      throw new GatewayTabError(refused.code, refused.message, refused.field);
    }
    return event as EventOf<T>;
  }

  async join(name: string, meeting: string, extra: { server?: string; passcode?: string } = {}) {
    return this.request({ type: 'join', name, meeting, ...extra }, 'joined');
  }

  /** The first event already heard or yet to come that matches. */
  next<T extends GatewayEvent['type']>(type: T, timeoutMs?: number): Promise<EventOf<T>>;
  next<E extends GatewayEvent>(
    test: (event: GatewayEvent) => event is E,
    timeoutMs?: number,
  ): Promise<E>;
  next(test: (event: GatewayEvent) => boolean, timeoutMs?: number): Promise<GatewayEvent>;
  next(
    what: string | ((event: GatewayEvent) => boolean),
    timeoutMs = 15_000,
  ): Promise<GatewayEvent> {
    const test = typeof what === 'string' ? (e: GatewayEvent) => e.type === what : what;
    const seen = this.events.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return this.#wait(test, timeoutMs, typeof what === 'string' ? what : 'a matching event');
  }

  /** The next matching event from now on (not one already heard). */
  upcoming(test: (event: GatewayEvent) => boolean, timeoutMs = 15_000): Promise<GatewayEvent> {
    return this.#wait(test, timeoutMs, 'a matching event');
  }

  close(): void {
    this.socket.close(1000, 'test done');
  }

  #wait(test: (event: GatewayEvent) => boolean, timeoutMs: number, what: string) {
    return new Promise<GatewayEvent>((resolve, reject) => {
      const waiter: Waiter = {
        test,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${what} from the gateway within ${scaledDeadline(timeoutMs)} ms`));
      }, scaledDeadline(timeoutMs));
      this.#waiters.push(waiter);
    });
  }

  #onEvent(event: GatewayEvent): void {
    if (this.#keep) this.events.push(event);
    this.onEvent?.(event);
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.test(event)) waiter.resolve(event);
      else this.#waiters.push(waiter);
    }
  }

  #onBinary(data: Buffer): void {
    const message = decodeBinaryMessage(data);
    if (message.kind === BinaryKind.ScreenFrame) this.framesReceived++;
    else if (message.kind === BinaryKind.MixFrame) this.mixesReceived++;
    else if (message.kind === BinaryKind.VideoFrame) this.videoFramesReceived++;
    this.onBinary?.(message);
    if (!this.#keep) return;
    if (message.kind === BinaryKind.ScreenFrame)
      this.frames.push({
        sequence: message.number,
        bytes: message.payload.length,
        at: Date.now(),
        jpeg: Buffer.from(message.payload),
      });
    else if (message.kind === BinaryKind.MixFrame) {
      const samples = new Int16Array(message.payload.length >> 1);
      new Uint8Array(samples.buffer).set(message.payload.subarray(0, samples.byteLength));
      this.mixes.push(samples);
    } else if (message.kind === BinaryKind.VideoFrame)
      this.videoFrames.push({
        sender: readVideoFrameSender(message.payload),
        frameId: message.number,
        jpeg: Buffer.from(message.payload.subarray(VIDEO_FRAME_SENDER_LENGTH)),
      });
    else if (message.kind === BinaryKind.FileData) {
      const parts = this.data.get(message.number) ?? [];
      parts.push(Buffer.from(message.payload));
      this.data.set(message.number, parts);
    }
  }
}
