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
  /** A room's media of one kind moved to another node: where to send from now on. */
  MediaMoved = 0x07,
  /** The room's media key changed (someone left): sealed media uses it shortly. */
  RoomMediaKey = 0x08,
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
  ScreenOpen = 0x30,
  ScreenState = 0x31,
  /** One raw JPEG image, both ways; no protobuf. */
  ScreenFrame = 0x32,
  ScreenStop = 0x33,
  /** The meeting scheduler: allowed before REGISTER. */
  MeetingsList = 0x50,
  Meetings = 0x51,
  MeetingCreate = 0x52,
  MeetingUpdate = 0x53,
  MeetingDelete = 0x54,
  MeetingSaved = 0x55,
  MeetingDeleted = 0x56,
  MeetingReminder = 0x57,
  /** The media nodes (`sapora nodes`): allowed before REGISTER. */
  NodesList = 0x60,
  Nodes = 0x61,
  /** Running a meeting: host actions, raised hands, who is speaking. */
  HostAction = 0x70,
  HostActionDone = 0x71,
  RaiseHand = 0x72,
  Speakers = 0x73,
}

/** Types whose payload is raw bytes (file data, an image), not a protobuf message. */
export function isRawPayloadType(
  type: MessageType,
): type is MessageType.FileChunk | MessageType.ScreenFrame {
  return type === MessageType.FileChunk || type === MessageType.ScreenFrame;
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
  [MessageType.MeetingsList, 64],
  [MessageType.MeetingCreate, 2 * KIB],
  [MessageType.MeetingUpdate, 2 * KIB],
  [MessageType.MeetingDelete, 1 * KIB],
  [MessageType.NodesList, 64],
  [MessageType.HostAction, 1 * KIB],
  [MessageType.RaiseHand, 64],
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

/** The wire's ceiling for one shared-screen JPEG; the service's own limit is usually lower. */
export const SCREEN_FRAME_MAX_BYTES = 4 * MIB;

/** What the screen service accepts from clients. */
export const CLIENT_TO_SCREEN_LIMITS: FrameLimits = new Map([
  [MessageType.ScreenOpen, 1 * KIB],
  [MessageType.ScreenFrame, SCREEN_FRAME_MAX_BYTES],
  [MessageType.ScreenStop, 64],
]);

/** What a client accepts from the screen service. */
export const SCREEN_TO_CLIENT_LIMITS: FrameLimits = new Map([
  [MessageType.ScreenState, 1 * KIB],
  [MessageType.ScreenFrame, SCREEN_FRAME_MAX_BYTES],
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
  // Up to MEETINGS_MAX_SCHEDULED meetings of at most about 1.1 KiB each.
  [MessageType.Meetings, 2 * MIB],
  [MessageType.MeetingSaved, 2 * KIB],
  [MessageType.MeetingDeleted, 1 * KIB],
  [MessageType.MeetingReminder, 2 * KIB],
  [MessageType.MediaMoved, 1 * KIB],
  [MessageType.RoomMediaKey, 1 * KIB],
  [MessageType.Nodes, 4 * MIB],
  [MessageType.HostActionDone, 1 * KIB],
  // A room's speakers: a few participant ids (36 characters each).
  [MessageType.Speakers, 8 * KIB],
]);

export function messageTypeName(type: number): string {
  const name = MessageType[type] as string | undefined;
  return name ?? `0x${type.toString(16).padStart(2, '0')}`;
}
