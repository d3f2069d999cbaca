/**
 * Every Redis key, channel and queue name Sapora uses, in one place. Each constant says the
 * shape of what it holds. Meeting ids are validated ([A-Za-z0-9._-]) before they reach a key.
 */
export const KEY_PREFIX = 'sapora:';

export const RedisKeys = {
  /** string, JSON SessionRecord; TTL = idle timeout, renewed by each heartbeat. Keyed by token hex. */
  session: (tokenHex: string) => `${KEY_PREFIX}session:${tokenHex}`,
  /** zset of "meetingId participantId" => deadline in ms since epoch; what the sweeper expires */
  sessionDeadlines: `${KEY_PREFIX}session-deadlines`,
  /** set of meeting ids with at least one member */
  rooms: `${KEY_PREFIX}rooms`,
  /** hash of participant id => JSON MemberRecord */
  roomMembers: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:members`,
  /** hash of lower-cased username => participant id; HSETNX keeps names unique per room */
  roomNames: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:names`,
  /** string, sha256 hex of the room's passcode; absent when the room has none */
  roomPasscode: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:passcode`,
  /** list of JSON StoredChatMessage, oldest first, capped at CHAT_HISTORY_LENGTH */
  roomChat: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:chat`,
  /** string, JSON FileRecord of one stored file; keyed by the server-made file id */
  file: (fileId: string) => `${KEY_PREFIX}file:${fileId}`,
  /** string, JSON PendingUpload of an upload not yet complete; deleted when it completes, fails or is given up */
  pendingUpload: (uploadId: string) => `${KEY_PREFIX}upload:${uploadId}`,
  /** set of file ids sent in a room (deleted with the room's files when it closes) */
  roomFiles: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:files`,
  /** string, JSON MeetingRecord of one scheduled meeting (no TTL: kept until it ends or is deleted) */
  scheduledMeeting: (meetingId: string) => `${KEY_PREFIX}schedule:meeting:${meetingId}`,
  /** zset of scheduled meeting id => start in ms since epoch; the listing order */
  scheduleStarts: `${KEY_PREFIX}schedule:starts`,
  /** zset of scheduled meeting id => end in ms since epoch; what finds ended meetings to remove */
  scheduleEnds: `${KEY_PREFIX}schedule:ends`,
} as const;

/** Pub/sub patterns carried by the NestJS Redis transport. */
export const EventPatterns = {
  /** MembershipEvent: joined, left, timed_out, updated */
  membership: `${KEY_PREFIX}membership`,
  /** FileStoredEvent: a file was stored and its recipients should be told */
  fileStored: `${KEY_PREFIX}file-stored`,
  /** PresenterEvent: the screen service started or ended a share; control updates the lists */
  presenter: `${KEY_PREFIX}presenter`,
  /** MeetingReminderEvent: a meeting starts soon or now; every control instance tells its clients */
  meetingReminder: `${KEY_PREFIX}meeting-reminder`,
} as const;

/** BullMQ queue names. */
export const QueueNames = {
  /** repeatable 'sweep-sessions' job: ends sessions whose deadline has passed */
  controlMaintenance: 'sapora-control-maintenance',
  /** 'expire-file' {fileId} after the retention time; 'expire-room' {meetingId} when a room closes; 'expire-upload' {uploadId} once an interrupted upload is not resumed in time */
  filesExpiry: 'sapora-files-expiry',
  /** delayed 'meeting-reminder' {meetingId, startMs, kind: 'soon' | 'start'}; jobId reminder/<meetingId>/<startMs>/<kind> */
  meetingReminders: 'sapora-meeting-reminders',
} as const;

/** Member of RedisKeys.sessionDeadlines for one participant. */
export function deadlineMember(meetingId: string, participantId: string): string {
  return `${meetingId} ${participantId}`;
}

export function parseDeadlineMember(member: string): { meetingId: string; participantId: string } {
  const space = member.indexOf(' ');
  return { meetingId: member.slice(0, space), participantId: member.slice(space + 1) };
}
