/**
 * Every Redis key, channel and queue name Sapora uses, in one place. Each constant says the
 * shape of what it holds. Meeting ids are validated ([A-Za-z0-9._-]) before they reach a key.
 */
export const KEY_PREFIX = 'sapora:';

export const RedisKeys = {
  /**
   * string, JSON SessionRecord; TTL = idle timeout, renewed by each heartbeat. Keyed by the
   * session's media token (mediaTokenOf its token), never by the token itself.
   */
  session: (mediaTokenHex: string) => `${KEY_PREFIX}session:${mediaTokenHex}`,
  /** zset of "meetingId participantId" => deadline in ms since epoch; what the sweeper expires */
  sessionDeadlines: `${KEY_PREFIX}session-deadlines`,
  /** set of meeting ids with at least one member */
  rooms: `${KEY_PREFIX}rooms`,
  /** hash of participant id => JSON MemberRecord */
  roomMembers: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:members`,
  /** hash of username key (normaliseUsername: NFKC, case-folded, look-alikes mapped) => participant id; HSETNX keeps names unique per room */
  roomNames: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:names`,
  /** string, sha256 hex of the room's passcode; absent when the room has none */
  roomPasscode: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:passcode`,
  /** hash of 'host' => participant id of the room's host, 'locked' => '1' while new joins are refused; deleted with the room */
  roomState: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:state`,
  /** zset of participant id => ms since epoch the hand went up: raised hands in order; deleted with the room */
  roomHands: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:hands`,
  /** hash of username key => ms since epoch until which that name may not rejoin (removed by the host); TTL the longest ban */
  roomBans: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:bans`,
  /** string, JSON {code, reason} of a session the host ended (removed, meeting ended); TTL a minute: a heartbeat racing the news learns why */
  endedByHost: (meetingId: string, participantId: string) =>
    `${KEY_PREFIX}room:${meetingId}:ended:${participantId}`,
  /** string, count of wrong passcodes for the room from one client address; TTL = the guess window */
  passcodeMisses: (meetingId: string, address: string) =>
    `${KEY_PREFIX}room:${meetingId}:passcode-misses:${address}`,
  /** list of JSON StoredChatMessage, oldest first, capped at CHAT_HISTORY_LENGTH */
  roomChat: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:chat`,
  /** string, JSON FileRecord of one stored file; keyed by the server-made file id */
  file: (fileId: string) => `${KEY_PREFIX}file:${fileId}`,
  /** string, JSON PendingUpload of an upload not yet complete; deleted when it completes, fails or is given up */
  pendingUpload: (uploadId: string) => `${KEY_PREFIX}upload:${uploadId}`,
  /** zset of pending upload id => announced size in bytes: what the total cap on parts counts */
  pendingUploadSizes: `${KEY_PREFIX}upload-sizes`,
  /** hash of pending upload id => participant id of the session that started it, per room */
  roomUploads: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:uploads`,
  /** set of file ids sent in a room (deleted with the room's files when it closes) */
  roomFiles: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:files`,
  /** string, JSON NodeRecord of one media service instance; TTL NODE_STALE_MS, renewed every NODE_RENEW_MS */
  node: (nodeId: string) => `${KEY_PREFIX}node:${nodeId}`,
  /** set of node ids of one kind (audio, video, screen, files); ids whose record expired are removed when read */
  nodesOfKind: (kind: string) => `${KEY_PREFIX}nodes:${kind}`,
  /** set of meeting ids a node serves; renewed with the node, pruned of rooms whose lease it lost */
  nodeRooms: (nodeId: string) => `${KEY_PREFIX}node:${nodeId}:rooms`,
  /** string, the node id serving a room's media of one kind: a lease, TTL PLACEMENT_LEASE_MS, renewed by that node */
  roomLease: (meetingId: string, kind: string) => `${KEY_PREFIX}room:${meetingId}:lease:${kind}`,
  /** hash of kind => node id last placed for the room (outlives a lapsed lease; deleted with the room) */
  roomPlacement: (meetingId: string) => `${KEY_PREFIX}room:${meetingId}:placement`,
  /** string, JSON MeetingRecord of one scheduled meeting (no TTL: kept until it ends or is deleted) */
  scheduledMeeting: (meetingId: string) => `${KEY_PREFIX}schedule:meeting:${meetingId}`,
  /** zset of scheduled meeting id => start in ms since epoch; the listing order */
  scheduleStarts: `${KEY_PREFIX}schedule:starts`,
  /** zset of scheduled meeting id => end in ms since epoch; what finds ended meetings to remove */
  scheduleEnds: `${KEY_PREFIX}schedule:ends`,
  /** string, JSON {cert, key} (PEM): the deployment's self-signed TLS identity, made once by the first TCP service to start (SET NX); no TTL */
  tlsIdentity: `${KEY_PREFIX}tls-identity`,
} as const;

/** Pub/sub patterns carried by the NestJS Redis transport. */
export const EventPatterns = {
  /** MembershipEvent: joined, left, timed_out, updated */
  membership: `${KEY_PREFIX}membership`,
  /** FileStoredEvent: a file was stored and its recipients should be told */
  fileStored: `${KEY_PREFIX}file-stored`,
  /** PresenterEvent: the screen service started or ended a share; control updates the lists */
  presenter: `${KEY_PREFIX}presenter`,
  /** MediaMovedEvent: a room's media of one kind moved to another node; control instances tell the room */
  mediaMoved: `${KEY_PREFIX}media-moved`,
  /** RoomChatEvent: a chat message for a room; every control instance delivers it to its members there */
  roomChat: `${KEY_PREFIX}room-chat`,
  /** RoomSpeakersEvent: the audio service heard the room's speakers change; control instances tell the room */
  roomSpeakers: `${KEY_PREFIX}room-speakers`,
  /** MeetingReminderEvent: a meeting starts soon or now; every control instance tells its clients */
  meetingReminder: `${KEY_PREFIX}meeting-reminder`,
} as const;

/** BullMQ queue names. */
export const QueueNames = {
  /** repeatable 'sweep-sessions' job: ends sessions whose deadline has passed; repeatable 'watch-placements': moves rooms off nodes that lapsed or drain */
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
