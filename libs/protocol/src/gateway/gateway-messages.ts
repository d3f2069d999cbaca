/**
 * The gateway's WebSocket messages (docs/PROTOCOL.md, "The gateway"): one WebSocket per browser
 * tab, JSON text messages for commands and events, binary messages for bytes.
 *
 * This file is read by the browser too (apps/web), so it uses no Node module and no Buffer.
 * Every JSON message is an object with a `type`. A command may carry an `id` (a positive
 * integer the tab chooses); the event that answers it, or the `error` that refuses it, repeats it.
 */

import {
  HandCommand,
  HOST_COMMAND_TYPES,
  HostActionCommand,
  HostActionDoneEvent,
  RoomEvent,
  SpeakersEvent,
} from './host-messages';

/** Version of this message set, sent in `welcome`. */
export const GATEWAY_PROTOCOL_VERSION = 1;
/** The WebSocket's path on the gateway's HTTP(S) port. */
export const GATEWAY_SOCKET_PATH = '/ws';
/** Largest JSON message the gateway reads; a longer one gets `error` MessageTooLarge. */
export const GATEWAY_JSON_MAX_BYTES = 64 * 1024;
/** Largest FILE_CHUNK payload (after its 5-byte header) a tab may send. */
export const GATEWAY_FILE_CHUNK_MAX_BYTES = 256 * 1024;
/** The chunk size the page uses for uploads and the gateway for downloads. */
export const GATEWAY_FILE_CHUNK_BYTES = 64 * 1024;
/** Largest CAMERA_FRAME JPEG a tab may send (a 640x480 frame at quality 0.55 is 20-60 KB). */
export const GATEWAY_CAMERA_FRAME_MAX_BYTES = 256 * 1024;
/** Largest SHARE_FRAME JPEG a tab may send (the screen service's own limit). */
export const GATEWAY_SHARE_FRAME_MAX_BYTES = 1024 * 1024;
/** Most participant ids one `video-prefs` may pause. */
export const GATEWAY_VIDEO_PREFS_MAX = 256;

// ---- Commands: tab -> gateway -------------------------------------------------------------

/** Every command type, in the order PROTOCOL.md lists them. */
export const GATEWAY_COMMAND_TYPES = [
  'join',
  'leave',
  'chat',
  'file-offer',
  'file-fetch',
  'file-cancel',
  'meetings-list',
  'meeting-create',
  'meeting-update',
  'meeting-delete',
  'mic',
  'camera',
  'share',
  'video-prefs',
  ...HOST_COMMAND_TYPES,
] as const;
export type GatewayCommandType = (typeof GATEWAY_COMMAND_TYPES)[number];

export interface JoinCommand {
  type: 'join';
  id?: number;
  /** "host" or "host:port" of a control service; blank: the gateway's own server. */
  server?: string;
  name: string;
  /** Blank: "default". */
  meeting?: string;
  passcode?: string;
}

export interface LeaveCommand {
  type: 'leave';
  id?: number;
}

export interface ChatCommand {
  type: 'chat';
  id?: number;
  /** "all" (or "") for everyone, else a username (any letter case). */
  to: string;
  text: string;
}

export interface FileOfferCommand {
  type: 'file-offer';
  id?: number;
  name: string;
  size: number;
  to: string;
}

export interface FileFetchCommand {
  type: 'file-fetch';
  id?: number;
  fileId: string;
}

export interface FileCancelCommand {
  type: 'file-cancel';
  id?: number;
  transfer: number;
}

export interface MeetingsListCommand {
  type: 'meetings-list';
  id?: number;
  /** Before joining: the server whose schedule to show (blank: the gateway's own). */
  server?: string;
}

export interface MeetingCreateCommand {
  type: 'meeting-create';
  id?: number;
  server?: string;
  meetingId: string;
  title: string;
  /** ISO 8601 with an offset, e.g. "2026-11-26T10:00+01:00". */
  startsAt: string;
  durationMinutes: number;
  /** Who schedules it, before joining; once joined the session's name is used. */
  name?: string;
}

export interface MeetingUpdateCommand {
  type: 'meeting-update';
  id?: number;
  server?: string;
  meetingId: string;
  /** The owner token from `meeting-saved`, as 32 hex digits ("" if this tab has none). */
  ownerToken: string;
  title?: string;
  startsAt?: string;
  durationMinutes?: number;
}

export interface MeetingDeleteCommand {
  type: 'meeting-delete';
  id?: number;
  server?: string;
  meetingId: string;
  ownerToken: string;
}

/**
 * Microphone on (the gateway sends the tab's MIC_FRAMEs to the mixer, and the room sees it
 * unmuted) or off (frames are dropped, and the room sees it muted: SET_MUTED).
 */
export interface MicCommand {
  type: 'mic';
  id?: number;
  on: boolean;
}

/** Camera on (the gateway relays the tab's CAMERA_FRAMEs) or off (it drops them). */
export interface CameraCommand {
  type: 'camera';
  id?: number;
  on: boolean;
}

/**
 * Screen share on (the tab becomes the room's presenter, then sends SHARE_FRAMEs) or off (the
 * share ends for everyone). Refused with `ScreenBusy`, naming the presenter, while someone else
 * presents.
 */
export interface ShareCommand {
  type: 'share';
  id?: number;
  on: boolean;
}

/** The participants whose video this tab does not want now (tiles out of view, a hidden tab). */
export interface VideoPrefsCommand {
  type: 'video-prefs';
  id?: number;
  paused: string[];
}

export type GatewayCommand =
  | JoinCommand
  | LeaveCommand
  | ChatCommand
  | FileOfferCommand
  | FileFetchCommand
  | FileCancelCommand
  | MeetingsListCommand
  | MeetingCreateCommand
  | MeetingUpdateCommand
  | MeetingDeleteCommand
  | MicCommand
  | CameraCommand
  | ShareCommand
  | VideoPrefsCommand
  | HandCommand
  | HostActionCommand;

// ---- Events: gateway -> tab ----------------------------------------------------------------

/** A server a tab may join. */
export interface GatewayServer {
  /** What to put in `server`: "host:port". */
  address: string;
  name: string;
  /** "gateway": the server this gateway is set up for; "discovered": heard on the LAN. */
  source: 'gateway' | 'discovered';
}

export interface WebParticipant {
  participantId: string;
  name: string;
  muted: boolean;
  presenting: boolean;
  joinedAtMs: number;
}

export interface WebChatMessage {
  messageId: string;
  fromId: string;
  from: string;
  /** "" for everyone, else the recipient's username. */
  to: string;
  text: string;
  sentAtMs: number;
  private: boolean;
  /** Written by the server about a host action (section 15); `from` is "". */
  system?: boolean;
}

export interface WebFileNotice {
  fileId: string;
  name: string;
  size: number;
  md5: string;
  sender: string;
  sentAtMs: number;
  private: boolean;
}

export interface WebMeeting {
  meetingId: string;
  title: string;
  startsAt: string;
  startMs: number;
  durationMinutes: number;
  createdBy: string;
}

export type DeliveryState = 'delivered' | 'no-such-user' | 'nobody-else';

/**
 * Error codes: the Sapora ErrorCode names the services answer with (UsernameTaken,
 * WrongPasscode, RateLimited, NotAllowed, ...) and the gateway's own below.
 */
export const GATEWAY_ERROR_CODES = {
  /** Not JSON, not an object, an unknown type, or a field that breaks its rule. */
  InvalidMessage: 'InvalidMessage',
  /** Over GATEWAY_JSON_MAX_BYTES (JSON) or GATEWAY_FILE_CHUNK_MAX_BYTES (a chunk). */
  MessageTooLarge: 'MessageTooLarge',
  /** The server asked for cannot be reached. */
  Unreachable: 'Unreachable',
  /** A server this gateway does not serve. */
  UnknownServer: 'UnknownServer',
  /** A transfer number this tab does not have (finished, cancelled, or never offered). */
  UnknownTransfer: 'UnknownTransfer',
} as const;

export interface WelcomeEvent {
  type: 'welcome';
  protocol: number;
  /** The gateway's own server (the login's preset); null when it has none configured. */
  server: GatewayServer | null;
  /** Servers a tab may pick (the gateway's own first, then those heard on the LAN). */
  servers: GatewayServer[];
  /** True when the login may name any server (a gateway on the person's own machine). */
  anyServer: boolean;
  limits: {
    jsonBytes: number;
    chunkBytes: number;
    fileBytes: number;
    /** Largest CAMERA_FRAME and SHARE_FRAME JPEGs. */
    cameraBytes: number;
    shareBytes: number;
  };
  /** Microphone, camera and screen capture through this gateway. */
  media: boolean;
}

export interface ServersEvent {
  type: 'servers';
  servers: GatewayServer[];
}

export interface JoinedEvent {
  type: 'joined';
  id?: number;
  server: string;
  meetingId: string;
  participantId: string;
  name: string;
  participants: WebParticipant[];
  history: WebChatMessage[];
  files: WebFileNotice[];
  /** The mixer's format, for MIC_FRAME and MIX_FRAME (44100 and 512 unless the server says). */
  audio: { sampleRate: number; frameSamples: number };
}

export interface ParticipantsEvent {
  type: 'participants';
  participants: WebParticipant[];
}

export interface ChatEvent {
  type: 'chat';
  message: WebChatMessage;
}

export interface DeliveryEvent {
  type: 'delivery';
  id?: number;
  state: DeliveryState;
  messageId: string;
  /** How many connected members it went to. */
  recipients: number;
  to: string;
}

export interface FileEvent {
  type: 'file';
  file: WebFileNotice;
}

/** The answer to file-offer and file-fetch: the number the transfer goes by from now on. */
export interface TransferEvent {
  type: 'transfer';
  id?: number;
  transfer: number;
}

export interface FileProgressEvent {
  type: 'file-progress';
  transfer: number;
  /** "gateway": bytes between tab and gateway; "server": between gateway and file service. */
  stage: 'gateway' | 'server';
  bytes: number;
  total: number;
}

/** An upload is stored and checked by the file service. */
export interface FileSentEvent {
  type: 'file-sent';
  transfer: number;
  fileId: string;
  md5: string;
  recipients: number;
}

/** A download passed its MD5 check at the gateway; FILE_DATA messages follow, then file-end. */
export interface FileReadyEvent {
  type: 'file-ready';
  transfer: number;
  fileId: string;
  name: string;
  size: number;
  md5: string;
}

export interface FileEndEvent {
  type: 'file-end';
  transfer: number;
}

export interface FileFailedEvent {
  type: 'file-failed';
  transfer: number;
  message: string;
}

export interface ScreenEvent {
  type: 'screen';
  presenting: boolean;
  presenterId: string;
  presenter: string;
  /** "started", "stopped", "disconnected", "left", or "" for the state on joining. */
  reason: string;
}

export interface MeetingsEvent {
  type: 'meetings';
  id?: number;
  meetings: WebMeeting[];
}

export interface MeetingSavedEvent {
  type: 'meeting-saved';
  id?: number;
  meeting: WebMeeting;
  /** 32 hex digits after a create (keep it: only it can change or delete the meeting); "" after an update. */
  ownerToken: string;
}

export interface MeetingDeletedEvent {
  type: 'meeting-deleted';
  id?: number;
  meetingId: string;
}

export interface ReminderEvent {
  type: 'reminder';
  meeting: WebMeeting;
  minutesBefore: number;
  starting: boolean;
}

/** The session with control lost its connection and is getting it back. */
export interface ConnectionEvent {
  type: 'connection';
  state: 'reconnecting' | 'resumed' | 'rejoined';
}

export interface LeftEvent {
  type: 'left';
  id?: number;
  reason: string;
  /** True when the server ended it (kicked, timed out, gone for good). */
  byServer: boolean;
}

/**
 * The tab's media as the gateway has it, answering `mic`, `camera`, `share` and `video-prefs`
 * (and sent unasked when a share ends by itself, e.g. the screen service went away).
 */
export interface MediaEvent {
  type: 'media';
  id?: number;
  mic: boolean;
  camera: boolean;
  sharing: boolean;
  paused: string[];
}

/**
 * The loudest voice in what this tab hears changed (the mixer names it in each mix): a
 * participant id, or null when nobody speaks.
 */
export interface SpeakingEvent {
  type: 'speaking';
  participantId: string | null;
}

export interface ErrorEvent {
  type: 'error';
  /** The id of the command refused, when it had one. */
  id?: number;
  code: string;
  /** For a refused join or meeting form: the field to show the message beside. */
  field?: string;
  message: string;
}

export type GatewayEvent =
  | WelcomeEvent
  | ServersEvent
  | JoinedEvent
  | ParticipantsEvent
  | ChatEvent
  | DeliveryEvent
  | FileEvent
  | TransferEvent
  | FileProgressEvent
  | FileSentEvent
  | FileReadyEvent
  | FileEndEvent
  | FileFailedEvent
  | ScreenEvent
  | MeetingsEvent
  | MeetingSavedEvent
  | MeetingDeletedEvent
  | ReminderEvent
  | ConnectionEvent
  | LeftEvent
  | MediaEvent
  | SpeakingEvent
  | ErrorEvent
  | RoomEvent
  | SpeakersEvent
  | HostActionDoneEvent;
