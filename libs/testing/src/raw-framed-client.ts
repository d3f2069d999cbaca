import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  CONTROL_TO_CLIENT_LIMITS,
  ControlMessageType,
  ControlPayloads,
  decodePayload,
  encodeFrame,
  encodePayload,
  Frame,
  FrameDecoder,
  FrameLimits,
  isRawPayloadType,
  MessageType,
} from '@sapora/protocol';
import { scaledDeadline } from './wait-for';

export interface ReceivedFrame {
  type: number;
  sequence: number;
  payload: unknown;
}

/**
 * A client that speaks frames by hand, for tests that must send what the real client
 * library never would: bad bytes, wrong order, oversize frames. It decodes what the server
 * sends by `limits` (control's answers unless told otherwise).
 */
export class RawFramedClient {
  readonly received: ReceivedFrame[] = [];
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #sequence = 0;
  readonly #decoder: FrameDecoder;
  #waiters: Array<() => void> = [];
  #heartbeat: NodeJS.Timeout | null = null;

  private constructor(socket: Socket, limits: FrameLimits) {
    this.socket = socket;
    this.#decoder = new FrameDecoder(limits);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.stopHeartbeats();
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#decoder.push(chunk)) this.#receive(frame);
    });
    socket.on('error', () => undefined);
  }

  /** Connects over TLS (any certificate), or plain TCP when `plaintext` (the server must allow it). */
  static async connect(
    port: number,
    limits: FrameLimits = CONTROL_TO_CLIENT_LIMITS,
    { plaintext = false } = {},
  ): Promise<RawFramedClient> {
    const socket = plaintext
      ? connect(port, '127.0.0.1')
      : connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false });
    await once(socket, plaintext ? 'connect' : 'secureConnect');
    return new RawFramedClient(socket, limits);
  }

  send<T extends ControlMessageType>(type: T, payload: Partial<ControlPayloads[T]> = {}): number {
    this.#sequence++;
    this.socket.write(encodeFrame(type, this.#sequence, encodePayload(type, payload)));
    return this.#sequence;
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async join(
    username: string,
    meetingId = '',
    passcode = '',
  ): Promise<ControlPayloads[MessageType.Joined]> {
    this.send(MessageType.Register, { username, meetingId, passcode });
    return this.next(MessageType.Joined);
  }

  /** The first frame of this type not yet taken, waiting up to timeoutMs for it. */
  async next<T extends ControlMessageType>(
    type: T,
    timeoutMs = 10_000,
  ): Promise<ControlPayloads[T]> {
    const deadline = Date.now() + scaledDeadline(timeoutMs);
    for (;;) {
      const index = this.received.findIndex((frame) => frame.type === type);
      if (index >= 0) return this.received.splice(index, 1)[0].payload as ControlPayloads[T];
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no frame of type 0x${type.toString(16)} within ${scaledDeadline(timeoutMs)} ms`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Heartbeats at the interval until close() or stopHeartbeats(). */
  startHeartbeats(intervalMs: number): void {
    this.#heartbeat = setInterval(() => this.send(MessageType.Heartbeat), intervalMs);
  }

  stopHeartbeats(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  close(): void {
    this.stopHeartbeats();
    this.socket.destroy();
  }

  /** Sends the bytes one at a time, each in its own write, as a slow or hostile peer might. */
  async sendByteByByte(bytes: Buffer): Promise<void> {
    for (const byte of bytes) {
      await new Promise<void>((resolve) => this.socket.write(Buffer.of(byte), () => resolve()));
    }
  }

  #receive(frame: Frame): void {
    this.received.push({
      type: frame.type,
      sequence: frame.sequence,
      payload: isRawPayloadType(frame.type)
        ? frame.payload
        : decodePayload(frame.type as ControlMessageType, frame.payload),
    });
    const waiters = this.#waiters;
    this.#waiters = [];
    waiters.forEach((wake) => wake());
  }
}
