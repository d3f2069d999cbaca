/**
 * Binary WebSocket messages between a tab and the gateway: bytes with no JSON and no base64.
 *
 *   0        1                      5
 *   +--------+----------------------+---------------------+
 *   |  kind  |   number (u32 BE)    |  payload (the rest) |
 *   +--------+----------------------+---------------------+
 *
 * `number` is the transfer (FILE_CHUNK, FILE_DATA), a frame sequence (SCREEN_FRAME, the media
 * kinds) or the sender's frame number (VIDEO_FRAME). Browser-safe: Uint8Array and DataView only.
 */

export enum BinaryKind {
  /** Tab -> gateway: the next bytes of an upload the gateway accepted (`transfer`). */
  FileChunk = 0x01,
  /** Gateway -> tab: the next bytes of a download announced by `file-ready`. */
  FileData = 0x02,
  /** Gateway -> tab: one shared-screen JPEG, the newest there is. */
  ScreenFrame = 0x03,
  /**
   * Tab -> gateway: one microphone frame in the mixer's format (the `audio` of `joined`:
   * 16-bit little-endian mono PCM, `frameSamples` samples). `number`: the tab's frame counter.
   */
  MicFrame = 0x04,
  /** Gateway -> tab: one frame of the room's mix (everyone but this tab), same format. */
  MixFrame = 0x05,
  /** Tab -> gateway: one camera JPEG. `number`: the tab's frame counter. */
  CameraFrame = 0x06,
  /**
   * Gateway -> tab: a whole camera frame from someone in the room. `number`: the sender's frame
   * number; payload: the sender's participant id (16 bytes, the UUID's) and then the JPEG.
   */
  VideoFrame = 0x07,
  /** Tab -> gateway: one JPEG of the screen this tab presents (after `share` on). */
  ShareFrame = 0x08,
}

/** Bytes of the participant id that starts a VIDEO_FRAME payload. */
export const VIDEO_FRAME_SENDER_LENGTH = 16;

/** The kinds a tab may send; the others only the gateway sends. */
export const TAB_BINARY_KINDS: ReadonlySet<number> = new Set([
  BinaryKind.FileChunk,
  BinaryKind.MicFrame,
  BinaryKind.CameraFrame,
  BinaryKind.ShareFrame,
]);

export const BINARY_KIND_OFFSET = 0;
export const BINARY_NUMBER_OFFSET = 1;
export const BINARY_HEADER_LENGTH = 5;

const KINDS = new Set<number>(
  Object.values(BinaryKind).filter((kind): kind is number => typeof kind === 'number'),
);

/** A binary message that is too short or of a kind nobody defined. */
export class BinaryMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BinaryMessageError';
  }
}

export interface BinaryMessage {
  kind: BinaryKind;
  number: number;
  /** A view into the message, not a copy. */
  payload: Uint8Array;
}

/** Header and payload in one new array, ready for WebSocket.send(). */
export function encodeBinaryMessage(
  kind: BinaryKind,
  number: number,
  payload: Uint8Array,
): Uint8Array {
  const message = new Uint8Array(BINARY_HEADER_LENGTH + payload.length);
  writeBinaryHeader(message, kind, number);
  message.set(payload, BINARY_HEADER_LENGTH);
  return message;
}

/** A participant id ("6f1c0a2e-…") as the 16 bytes a VIDEO_FRAME starts with. */
export function participantIdToUuidBytes(participantId: string): Uint8Array {
  const hex = participantId.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex))
    throw new BinaryMessageError(`${JSON.stringify(participantId)} is not a participant id`);
  const bytes = new Uint8Array(VIDEO_FRAME_SENDER_LENGTH);
  for (let i = 0; i < VIDEO_FRAME_SENDER_LENGTH; i++)
    bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** The sender of a VIDEO_FRAME payload, as the participant id of `participants` events. */
export function readVideoFrameSender(payload: Uint8Array): string {
  if (payload.length < VIDEO_FRAME_SENDER_LENGTH)
    throw new BinaryMessageError('a VIDEO_FRAME starts with the 16-byte participant id');
  let hex = '';
  for (let i = 0; i < VIDEO_FRAME_SENDER_LENGTH; i++)
    hex += payload[i].toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Writes the 5-byte header at the start of `target` (which holds the payload after it). */
export function writeBinaryHeader(target: Uint8Array, kind: BinaryKind, number: number): void {
  const view = new DataView(target.buffer, target.byteOffset, BINARY_HEADER_LENGTH);
  view.setUint8(BINARY_KIND_OFFSET, kind);
  view.setUint32(BINARY_NUMBER_OFFSET, number >>> 0);
}

export function decodeBinaryMessage(message: Uint8Array): BinaryMessage {
  if (message.length < BINARY_HEADER_LENGTH)
    throw new BinaryMessageError(
      `a binary message is at least ${BINARY_HEADER_LENGTH} bytes (kind, number); this one is ${message.length}`,
    );
  const view = new DataView(message.buffer, message.byteOffset, BINARY_HEADER_LENGTH);
  const kind = view.getUint8(BINARY_KIND_OFFSET);
  if (!KINDS.has(kind))
    throw new BinaryMessageError(`binary kind 0x${kind.toString(16).padStart(2, '0')} is unknown`);
  return {
    kind,
    number: view.getUint32(BINARY_NUMBER_OFFSET),
    payload: message.subarray(BINARY_HEADER_LENGTH),
  };
}
