export * from './sapora-error';
export * from './control/control-connection';
export * from './session';
export * from './tls/server-trust';
export * from './chat-client';
export { DeliveryStatus, ErrorCode, HostActionKind, REMOVED_BAN_MS } from '@sapora/protocol';
export type {
  ChatDelivery,
  ChatMessage,
  FileNotice,
  HostActionDone,
  MediaKind,
  Participant,
} from '@sapora/protocol';
export * from './audio/audio-client';
export * from './audio/tone-source';
export * from './audio/wav-file-sink';
export * from './audio/ffmpeg-audio';
export * from './video/video-client';
export * from './video/test-pattern';
export * from './video/jpeg-stream-splitter';
export * from './video/ffmpeg-video';
export * from './media/session-media-seal';
export * from './files/file-transfer-client';
export * from './discovery/discovery-listener';
export * from './screen/screen-share-client';
export * from './meetings/meetings-client';
export * from './nodes/list-nodes';
export type { MeetingReminder, ScheduledMeeting } from '@sapora/protocol';
