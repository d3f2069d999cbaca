import { WebSocket } from 'ws';
import {
  BinaryKind,
  GatewayEvent,
  writeBinaryHeader,
  BINARY_HEADER_LENGTH,
} from '@sapora/protocol';
import { FrameGate } from './frame-gate';

/** Unwritten bytes past which a tab gets no new screen frame (only the newest is held). */
const FRAME_BACKLOG_BYTES = 512 * 1024;
/** Unwritten bytes past which a download waits before sending its next chunk. */
const DATA_BACKLOG_BYTES = 1024 * 1024;
/**
 * Unwritten bytes past which mix frames are dropped: late audio is worse than a gap, which
 * the page's playback conceals.
 */
const AUDIO_BACKLOG_BYTES = 256 * 1024;
/** Payloads below this are copied behind their header into one buffer; larger ones are not. */
const COPY_BELOW_BYTES = 4096;
/** The FrameGate key of the screen share (camera frames are keyed by their sender). */
const SCREEN_STREAM = '';

interface Frame {
  kind: BinaryKind;
  number: number;
  /** Bytes sent before the payload in the same message (a VIDEO_FRAME's sender). */
  prefix: Uint8Array | null;
  payload: Uint8Array;
}

/**
 * What the gateway sends one tab: JSON events, screen frames (newest wins when the tab reads
 * slowly) and file bytes (paced by what the socket has written). Sends to a closed socket are
 * dropped: the tab is gone.
 */
export class TabSocket {
  readonly #ws: WebSocket;
  readonly #gate = new FrameGate<Frame>(FRAME_BACKLOG_BYTES);
  #drainWaiters: (() => void)[] = [];

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.once('close', () => {
      this.#gate.clear();
      this.#wakeDrainWaiters();
    });
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Frames this tab did not get because newer ones replaced them. */
  get skippedFrames(): number {
    return this.#gate.skipped;
  }

  /** Mix frames this tab did not get because its socket was far behind. */
  droppedMixes = 0;

  send(event: GatewayEvent): void {
    if (!this.open) return;
    this.#write(JSON.stringify(event));
  }

  /** A screen frame: sent now, or held (replacing an older held one) while the tab is behind. */
  sendFrame(kind: BinaryKind, number: number, payload: Uint8Array): void {
    if (!this.open) return;
    const frame = this.#gate.offer({ kind, number, prefix: null, payload }, SCREEN_STREAM);
    if (frame !== null) this.#writeFrame(frame);
  }

  /**
   * A camera frame from `sender` (its participant id as 16 bytes, keyed by `senderId`): sent
   * now, or held as that sender's newest while the tab is behind.
   */
  sendVideoFrame(senderId: string, sender: Uint8Array, frameId: number, jpeg: Uint8Array): void {
    if (!this.open) return;
    const frame = this.#gate.offer(
      { kind: BinaryKind.VideoFrame, number: frameId, prefix: sender, payload: jpeg },
      senderId,
    );
    if (frame !== null) this.#writeFrame(frame);
  }

  /** Forgets a sender's held frame (it left, or the tab paused it). */
  dropVideoFrames(senderId: string): void {
    this.#gate.clear(senderId);
  }

  /** One frame of the room's mix: sent now, or dropped while the socket is far behind. */
  sendMix(sequence: number, samples: Int16Array): void {
    if (!this.open) return;
    if (this.#gate.pendingBytes > AUDIO_BACKLOG_BYTES) {
      this.droppedMixes++;
      return;
    }
    this.#writeFrame({
      kind: BinaryKind.MixFrame,
      number: sequence,
      prefix: null,
      payload: new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
    });
  }

  /** File bytes: resolves once the socket has room for more. */
  async sendData(kind: BinaryKind, number: number, payload: Uint8Array): Promise<void> {
    if (!this.open) return;
    this.#writeFrame({ kind, number, prefix: null, payload });
    if (this.#gate.pendingBytes > DATA_BACKLOG_BYTES)
      await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
  }

  close(code: number, reason: string): void {
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING)
      this.#ws.close(code, reason);
  }

  #writeFrame(frame: Frame): void {
    const prefixLength = frame.prefix?.length ?? 0;
    if (frame.payload.length < COPY_BELOW_BYTES) {
      const message = Buffer.allocUnsafe(
        BINARY_HEADER_LENGTH + prefixLength + frame.payload.length,
      );
      writeBinaryHeader(message, frame.kind, frame.number);
      if (frame.prefix !== null) message.set(frame.prefix, BINARY_HEADER_LENGTH);
      message.set(frame.payload, BINARY_HEADER_LENGTH + prefixLength);
      this.#write(message);
      return;
    }
    // One message in two WebSocket fragments: the header, then the payload itself, shared by
    // every tab it goes to. Copying a picture per tab made the external memory churn that
    // brought a full garbage collection every few hundred milliseconds.
    const head = Buffer.allocUnsafe(BINARY_HEADER_LENGTH + prefixLength);
    writeBinaryHeader(head, frame.kind, frame.number);
    if (frame.prefix !== null) head.set(frame.prefix, BINARY_HEADER_LENGTH);
    const bytes = head.length + frame.payload.length;
    this.#gate.sending(bytes);
    this.#ws.send(head, { binary: true, fin: false });
    this.#ws.send(frame.payload, { binary: true, fin: true }, () => this.#written(bytes));
  }

  #write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.#gate.sending(bytes);
    this.#ws.send(data, () => this.#written(bytes));
  }

  #written(bytes: number): void {
    const held = this.#gate.written(bytes);
    if (held !== null && this.open) this.#writeFrame(held);
    if (this.#gate.pendingBytes <= DATA_BACKLOG_BYTES) this.#wakeDrainWaiters();
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
