/**
 * Typed payloads of the control frames, encoded with protobufjs from proto/control.proto.
 * The interfaces mirror the schema; `decodePayload` fills in proto3 defaults so every
 * field is present, and turns int64 into number and bytes into Buffer.
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
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
}

export interface Participant {
  participantId: string;
  username: string;
  ip: string;
  muted: boolean;
  presenting: boolean;
  joinedAtMs: number;
}

export interface ParticipantList {
  meetingId: string;
  participants: Participant[];
}

export interface Disconnect {
  reason: string;
  /** Server only: the client should reconnect and resume (a restart, not a kick). */
  retry: boolean;
}

export interface ChatMessage {
  messageId: string;
  fromId: string;
  from: string;
  to: string;
  text: string;
  sentAtMs: number;
  private: boolean;
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

/** Which payload each frame type carries. Heartbeat has none; FILE_CHUNK is raw bytes. */
export interface ControlPayloads {
  [MessageType.Register]: JoinRequest;
  [MessageType.Heartbeat]: Record<string, never>;
  [MessageType.UserList]: ParticipantList;
  [MessageType.Disconnect]: Disconnect;
  [MessageType.Joined]: JoinReply;
  [MessageType.SetMuted]: SetMuted;
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
}

export type ControlMessageType = keyof ControlPayloads;

const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');
const root = protobuf.loadSync([
  path.join(PROTO_DIR, 'control.proto'),
  path.join(PROTO_DIR, 'files.proto'),
  path.join(PROTO_DIR, 'screen.proto'),
  path.join(PROTO_DIR, 'meetings.proto'),
]);

const SCHEMA: Record<ControlMessageType, protobuf.Type | null> = {
  [MessageType.Register]: root.lookupType('sapora.control.JoinRequest'),
  [MessageType.Heartbeat]: null,
  [MessageType.UserList]: root.lookupType('sapora.control.ParticipantList'),
  [MessageType.Disconnect]: root.lookupType('sapora.control.Disconnect'),
  [MessageType.Joined]: root.lookupType('sapora.control.JoinReply'),
  [MessageType.SetMuted]: root.lookupType('sapora.control.SetMuted'),
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
    const payload = schema.toObject(schema.decode(strict), TO_OBJECT);
    for (const field of BYTES_FIELDS.get(schema) ?? []) {
      const value = payload[field] as Uint8Array;
      payload[field] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    return payload as ControlPayloads[T];
  } catch (error) {
    throw new MalformedPayloadError(`bad ${schema.name} payload: ${(error as Error).message}`);
  }
}
