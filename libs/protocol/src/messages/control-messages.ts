/**
 * Typed payloads of the control frames, encoded with protobufjs from proto/control.proto.
 * The interfaces mirror the schema; `decodePayload` fills in proto3 defaults so every
 * field is present, and turns int64 into number and bytes into Buffer.
 */
import * as protobuf from 'protobufjs';
import protoSchema from './proto-schema.json';
import { MessageType } from '../frame/message-type';
import { MalformedPayloadError } from '../frame/frame-errors';

export enum DeliveryStatus {
  Unspecified = 0,
  Delivered = 1,
  NoSuchUser = 2,
  NobodyElse = 3,
}

export enum ErrorCode {
  Unspecified = 0,
  MalformedFrame = 1,
  UnknownType = 2,
  FrameTooLarge = 3,
  NotJoined = 4,
  InvalidRequest = 5,
  UsernameTaken = 6,
  WrongPasscode = 7,
  RateLimited = 8,
  TextTooLong = 9,
  UnsupportedVersion = 10,
  SessionExpired = 11,
  AlreadyJoined = 12,
  Internal = 13,
  ShuttingDown = 14,
  Timeout = 15,
  FileTooLarge = 16,
  NoRecipient = 17,
  ChecksumMismatch = 18,
  NotAllowed = 19,
  NoSuchFile = 20,
  ScreenBusy = 21,
  MeetingExists = 22,
  NoSuchMeeting = 23,
  Unavailable = 24,
  NoCapacity = 25,
  /** The host locked the room: no new joins (a resume is not one). */
  RoomLocked = 26,
  /** The host removed this participant; a rejoin within the ban is refused. */
  Removed = 27,
  /** The host ended the meeting for everyone. */
  MeetingEnded = 28,
  /** A host action named nobody in the room. */
  NoSuchParticipant = 29,
  /** A plain TCP client reached a service that speaks TLS only (section 14). */
  TlsRequired = 32,
}

/** What a HOST_ACTION asks for (0x70). */
export enum HostActionKind {
  Unspecified = 0,
  Mute = 1,
  Remove = 2,
  Lock = 3,
  Unlock = 4,
  StopShare = 5,
  EndMeeting = 6,
  MakeHost = 7,
  LowerHand = 8,
  AllowRejoin = 9,
}

export enum ScreenRole {
  Unspecified = 0,
  Presenter = 1,
  Viewer = 2,
}

export interface JoinRequest {
  username: string;
  meetingId: string;
  passcode: string;
  resumeToken: Buffer;
  clientName: string;
  /** Media kinds the client will use; a node it needs being full refuses the join. */
  media: string[];
  /** A scheduled meeting's owner token: its creator joins as host. Empty otherwise. */
  ownerToken: Buffer;
  /** This participant records the meeting; everyone's list shows it. */
  recording: boolean;
}

/** Where a room's media of one kind is served; host '' means the control host. */
/** ROOM_MEDIA_KEY: the room's media key after a leave. */
export interface RoomMediaKey {
  key: Buffer;
  epoch: number;
}

export interface MediaEndpoint {
  kind: string;
  host: string;
  port: number;
  nodeId: string;
}

export interface NodeInfo {
  nodeId: string;
  kind: string;
  host: string;
  port: number;
  capacity: number;
  participants: number;
  rooms: string[];
  cpuPermille: number;
  draining: boolean;
  startedAtMs: number;
  renewedAtMs: number;
}

export interface NodeList {
  nodes: NodeInfo[];
}

export interface Participant {
  participantId: string;
  username: string;
  ip: string;
  muted: boolean;
  presenting: boolean;
  joinedAtMs: number;
  /** Runs the meeting. */
  host: boolean;
  handRaised: boolean;
  /** The host's name when the host muted this participant; '' otherwise. */
  mutedBy: string;
  /** Records the meeting. */
  recording: boolean;
}

export interface ParticipantList {
  meetingId: string;
  participants: Participant[];
  /** Participant id of the host ('' only from older servers). */
  hostId: string;
  /** New joins are refused (ROOM_LOCKED). */
  locked: boolean;
  /** Participant ids with a raised hand, in the order the hands went up. */
  raisedHands: string[];
}

export interface Disconnect {
  reason: string;
  /** Server only: the client should reconnect and resume (a restart, not a kick). */
  retry: boolean;
  /** Server only: Removed or MeetingEnded when the host ended the session; else Unspecified. */
  code: ErrorCode;
}

export interface ChatMessage {
  messageId: string;
  fromId: string;
  from: string;
  to: string;
  text: string;
  sentAtMs: number;
  private: boolean;
  /** Written by the server about the meeting (a host action), not by a participant. */
  system: boolean;
}

export interface JoinReply {
  participantId: string;
  sessionToken: Buffer;
  meetingId: string;
  username: string;
  participants: ParticipantList;
  history: ChatMessage[];
  heartbeatIntervalMs: number;
  idleTimeoutMs: number;
  resumed: boolean;
  serverTimeMs: number;
  files: FileNotice[];
  /** The mixer's format: 16-bit mono PCM at this rate, this many samples per datagram. */
  audioSampleRate: number;
  audioFrameSamples: number;
  /** Where the room's media services are; a kind left out is on the control host. */
  media: MediaEndpoint[];
  /** Largest video datagram a client sends (0 from older servers: 1200). */
  videoDatagramBytes: number;
  /** What media datagrams carry in their token field: SHA-256(sessionToken), first 16 bytes. */
  mediaToken: Buffer;
  /** This session's media key (empty: plain media, a plain-TCP session or an older server). */
  mediaKey: Buffer;
  /** The room's media key and its epoch (ROOM_MEDIA_KEY brings the next ones). */
  roomMediaKey: Buffer;
  roomMediaKeyEpoch: number;
}

export interface SetMuted {
  muted: boolean;
}

export interface ChatSend {
  to: string;
  text: string;
}

export interface ChatDelivery {
  requestSequence: number;
  status: DeliveryStatus;
  messageId: string;
  recipients: number;
  to: string;
}

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  requestSequence: number;
  fatal: boolean;
}

export interface FileOffer {
  sessionToken: Buffer;
  name: string;
  size: number;
  md5: string;
  to: string;
  /** Empty for a new upload; else the `uploadId` of an interrupted one to continue. */
  uploadId: string;
}

export interface FileAccepted {
  uploadId: string;
  offset: number;
}

export interface FileDone {
  fileId: string;
  size: number;
  md5: string;
  recipients: number;
}

export interface FileFetch {
  sessionToken: Buffer;
  fileId: string;
  offset: number;
}

export interface FileNotice {
  fileId: string;
  name: string;
  size: number;
  md5: string;
  sender: string;
  sentAtMs: number;
  private: boolean;
  /** The file service holding it ('' and 0: the control host, the default port). */
  host: string;
  port: number;
}

export interface FileMeta {
  fileId: string;
  name: string;
  size: number;
  md5: string;
  sender: string;
  offset: number;
}

export interface ScreenOpen {
  sessionToken: Buffer;
  role: ScreenRole;
}

export interface ScreenState {
  meetingId: string;
  presenting: boolean;
  presenterId: string;
  presenter: string;
  /** "started", "stopped", "disconnected", "left", or "" in answer to SCREEN_OPEN. */
  reason: string;
}

export interface ScheduledMeeting {
  meetingId: string;
  title: string;
  /** ISO 8601 with the creator's offset, e.g. "2026-11-26T10:00:00+01:00". */
  startsAt: string;
  startMs: number;
  durationMinutes: number;
  createdBy: string;
  createdAtMs: number;
}

export interface MeetingList {
  meetings: ScheduledMeeting[];
}

export interface MeetingCreate {
  meetingId: string;
  title: string;
  startsAt: string;
  durationMinutes: number;
  /** The creator's name; the server ignores it once the connection has joined. */
  username: string;
}

/** Absent fields (undefined) stay as they are: proto3 `optional` keeps presence on the wire. */
export interface MeetingUpdate {
  meetingId: string;
  ownerToken: Buffer;
  title?: string;
  startsAt?: string;
  durationMinutes?: number;
}

export interface MeetingDelete {
  meetingId: string;
  ownerToken: Buffer;
}

export interface MeetingSaved {
  meeting: ScheduledMeeting;
  /** 16 bytes after a create; empty after an update. */
  ownerToken: Buffer;
}

export interface MeetingDeleted {
  meetingId: string;
}

export interface MeetingReminder {
  meeting: ScheduledMeeting;
  /** Whole minutes until the start, rounded up; 0 when it starts. */
  minutesBefore: number;
  starting: boolean;
}

export interface HostAction {
  action: HostActionKind;
  /** Whom it is about (mute, remove, stop share, make host, lower hand). */
  participantId: string;
  /** Allow rejoin: the removed participant's name. */
  username: string;
}

export interface HostActionDone {
  requestSequence: number;
  action: HostActionKind;
  participantId: string;
}

export interface RaiseHand {
  raised: boolean;
}

export interface Speakers {
  meetingId: string;
  /** Loudest first; empty when nobody speaks. */
  participantIds: string[];
  atMs: number;
}

/** Which payload each frame type carries. Heartbeat has none; FILE_CHUNK is raw bytes. */
export interface ControlPayloads {
  [MessageType.Register]: JoinRequest;
  [MessageType.Heartbeat]: Record<string, never>;
  [MessageType.UserList]: ParticipantList;
  [MessageType.Disconnect]: Disconnect;
  [MessageType.Joined]: JoinReply;
  [MessageType.SetMuted]: SetMuted;
  [MessageType.MediaMoved]: MediaEndpoint;
  [MessageType.RoomMediaKey]: RoomMediaKey;
  [MessageType.Error]: ErrorPayload;
  [MessageType.ChatSend]: ChatSend;
  [MessageType.ChatMessage]: ChatMessage;
  [MessageType.ChatDelivery]: ChatDelivery;
  [MessageType.FileOffer]: FileOffer;
  [MessageType.FileAccepted]: FileAccepted;
  [MessageType.FileDone]: FileDone;
  [MessageType.FileFetch]: FileFetch;
  [MessageType.FileMeta]: FileMeta;
  [MessageType.FileNotice]: FileNotice;
  [MessageType.ScreenOpen]: ScreenOpen;
  [MessageType.ScreenState]: ScreenState;
  [MessageType.ScreenStop]: Record<string, never>;
  [MessageType.MeetingsList]: Record<string, never>;
  [MessageType.Meetings]: MeetingList;
  [MessageType.MeetingCreate]: MeetingCreate;
  [MessageType.MeetingUpdate]: MeetingUpdate;
  [MessageType.MeetingDelete]: MeetingDelete;
  [MessageType.MeetingSaved]: MeetingSaved;
  [MessageType.MeetingDeleted]: MeetingDeleted;
  [MessageType.MeetingReminder]: MeetingReminder;
  [MessageType.NodesList]: Record<string, never>;
  [MessageType.Nodes]: NodeList;
  [MessageType.HostAction]: HostAction;
  [MessageType.HostActionDone]: HostActionDone;
  [MessageType.RaiseHand]: RaiseHand;
  [MessageType.Speakers]: Speakers;
}

export type ControlMessageType = keyof ControlPayloads;

// The .proto files as data (scripts/proto-to-json.cjs), so nothing is read from disk at run time.
const root = protobuf.Root.fromJSON(protoSchema);

const SCHEMA: Record<ControlMessageType, protobuf.Type | null> = {
  [MessageType.Register]: root.lookupType('sapora.control.JoinRequest'),
  [MessageType.Heartbeat]: null,
  [MessageType.UserList]: root.lookupType('sapora.control.ParticipantList'),
  [MessageType.Disconnect]: root.lookupType('sapora.control.Disconnect'),
  [MessageType.Joined]: root.lookupType('sapora.control.JoinReply'),
  [MessageType.SetMuted]: root.lookupType('sapora.control.SetMuted'),
  [MessageType.MediaMoved]: root.lookupType('sapora.control.MediaEndpoint'),
  [MessageType.RoomMediaKey]: root.lookupType('sapora.control.RoomMediaKey'),
  [MessageType.Error]: root.lookupType('sapora.control.Error'),
  [MessageType.ChatSend]: root.lookupType('sapora.control.ChatSend'),
  [MessageType.ChatMessage]: root.lookupType('sapora.control.ChatMessage'),
  [MessageType.ChatDelivery]: root.lookupType('sapora.control.ChatDelivery'),
  [MessageType.FileOffer]: root.lookupType('sapora.files.FileOffer'),
  [MessageType.FileAccepted]: root.lookupType('sapora.files.FileAccepted'),
  [MessageType.FileDone]: root.lookupType('sapora.files.FileDone'),
  [MessageType.FileFetch]: root.lookupType('sapora.files.FileFetch'),
  [MessageType.FileMeta]: root.lookupType('sapora.files.FileMeta'),
  [MessageType.FileNotice]: root.lookupType('sapora.files.FileNotice'),
  [MessageType.ScreenOpen]: root.lookupType('sapora.screen.ScreenOpen'),
  [MessageType.ScreenState]: root.lookupType('sapora.screen.ScreenState'),
  [MessageType.ScreenStop]: null,
  [MessageType.MeetingsList]: null,
  [MessageType.Meetings]: root.lookupType('sapora.meetings.MeetingList'),
  [MessageType.MeetingCreate]: root.lookupType('sapora.meetings.MeetingCreate'),
  [MessageType.MeetingUpdate]: root.lookupType('sapora.meetings.MeetingUpdate'),
  [MessageType.MeetingDelete]: root.lookupType('sapora.meetings.MeetingDelete'),
  [MessageType.MeetingSaved]: root.lookupType('sapora.meetings.MeetingSaved'),
  [MessageType.MeetingDeleted]: root.lookupType('sapora.meetings.MeetingDeleted'),
  [MessageType.MeetingReminder]: root.lookupType('sapora.meetings.MeetingReminder'),
  [MessageType.NodesList]: null,
  [MessageType.Nodes]: root.lookupType('sapora.control.NodeList'),
  [MessageType.HostAction]: root.lookupType('sapora.control.HostAction'),
  [MessageType.HostActionDone]: root.lookupType('sapora.control.HostActionDone'),
  [MessageType.RaiseHand]: root.lookupType('sapora.control.RaiseHand'),
  [MessageType.Speakers]: root.lookupType('sapora.control.Speakers'),
};

/** Top-level bytes fields per schema: the strict reader yields Uint8Array, callers get Buffer. */
const BYTES_FIELDS = new Map(
  Object.values(SCHEMA)
    .filter((schema): schema is protobuf.Type => schema !== null)
    .map((schema) => [
      schema,
      schema.fieldsArray.filter((field) => field.type === 'bytes').map((field) => field.name),
    ]),
);

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
};

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * protobufjs's own reader replaces bytes that are not UTF-8 (c3 28 turns into something else);
 * the wire's strings must be UTF-8, so this one refuses them instead.
 */
class StrictUtf8Reader extends protobuf.Reader {
  override string(): string {
    return STRICT_UTF8.decode(this.bytes());
  }
}

function schemaOf(type: ControlMessageType): protobuf.Type | null {
  if (!(type in SCHEMA))
    throw new MalformedPayloadError(`no payload schema for frame type ${type}`);
  return SCHEMA[type];
}

export function encodePayload<T extends ControlMessageType>(
  type: T,
  payload: Partial<ControlPayloads[T]>,
): Uint8Array {
  const schema = schemaOf(type);
  if (schema === null) return new Uint8Array(0);
  return schema.encode(schema.fromObject(payload)).finish();
}

export function decodePayload<T extends ControlMessageType>(
  type: T,
  bytes: Uint8Array,
): ControlPayloads[T] {
  const schema = schemaOf(type);
  if (schema === null) {
    if (bytes.length !== 0)
      throw new MalformedPayloadError(`frame type ${type} carries no payload`);
    return {} as ControlPayloads[T];
  }
  try {
    // A plain Uint8Array view gets protobufjs's strict reader: its Buffer reader silently
    // truncates a string whose length runs past the end instead of refusing it.
    const strict = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const payload = schema.toObject(schema.decode(new StrictUtf8Reader(strict)), TO_OBJECT);
    for (const field of BYTES_FIELDS.get(schema) ?? []) {
      const value = payload[field] as Uint8Array;
      payload[field] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    return payload as ControlPayloads[T];
  } catch (error) {
    throw new MalformedPayloadError(`bad ${schema.name} payload: ${(error as Error).message}`);
  }
}
