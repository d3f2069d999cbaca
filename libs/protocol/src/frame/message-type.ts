/**
 * The frame type table. Numbers follow the seed where it has them (0x01 register,
 * 0x02 heartbeat, 0x03 user list, 0x04 disconnect, 0x10 chat, 0x20-0x25 files,
 * 0x30-0x32 screen, 0x40-0x41 streams) and extend it where it stops.
 */
export enum MessageType {
  Register = 0x01,
  Heartbeat = 0x02,
  UserList = 0x03,
  Disconnect = 0x04,
  Joined = 0x05,
  SetMuted = 0x06,
  Error = 0x0f,
  ChatSend = 0x10,
  ChatMessage = 0x11,
  ChatDelivery = 0x12,
  FileOffer = 0x20,
  FileAccepted = 0x21,
  /** Raw file bytes, both ways; no protobuf. */
  FileChunk = 0x22,
  FileDone = 0x23,
  FileFetch = 0x24,
  FileMeta = 0x25,
  FileNotice = 0x26,
}

/** File bytes per FILE_CHUNK frame. */
export const FILE_CHUNK_BYTES = 32 * 1024;

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * Largest payload each type may carry, per direction. A frame over its limit is refused
 * from its header alone, before any of its payload is buffered. A type missing from a
 * direction's table is not accepted in that direction.
 */
export type FrameLimits = ReadonlyMap<MessageType, number>;

/** What the control service accepts from clients. */
export const CLIENT_TO_CONTROL_LIMITS: FrameLimits = new Map([
  [MessageType.Register, 1 * KIB],
  [MessageType.Heartbeat, 64],
  [MessageType.Disconnect, 1 * KIB],
  [MessageType.ChatSend, 8 * KIB],
  [MessageType.SetMuted, 64],
]);

/** What the file service accepts from clients. */
export const CLIENT_TO_FILES_LIMITS: FrameLimits = new Map([
  [MessageType.FileOffer, 2 * KIB],
  [MessageType.FileFetch, 1 * KIB],
  [MessageType.FileChunk, 32 * KIB],
]);

/** What a client accepts from the file service. */
export const FILES_TO_CLIENT_LIMITS: FrameLimits = new Map([
  [MessageType.FileAccepted, 1 * KIB],
  [MessageType.FileDone, 1 * KIB],
  [MessageType.FileMeta, 2 * KIB],
  [MessageType.FileChunk, 32 * KIB],
  [MessageType.Error, 4 * KIB],
]);

/** What a client accepts from the control service. */
export const CONTROL_TO_CLIENT_LIMITS: FrameLimits = new Map([
  [MessageType.Heartbeat, 64],
  [MessageType.UserList, 1 * MIB],
  [MessageType.Disconnect, 1 * KIB],
  // The join reply carries up to 200 messages of history of up to 4 KiB each.
  [MessageType.Joined, 4 * MIB],
  [MessageType.Error, 4 * KIB],
  [MessageType.ChatMessage, 8 * KIB],
  [MessageType.ChatDelivery, 1 * KIB],
  [MessageType.FileNotice, 2 * KIB],
]);

export function messageTypeName(type: number): string {
  const name = MessageType[type] as string | undefined;
  return name ?? `0x${type.toString(16).padStart(2, '0')}`;
}
