/** What Redis keeps about one member of a room (RedisKeys.roomMembers). */
export interface MemberRecord {
  participantId: string;
  username: string;
  meetingId: string;
  ip: string;
  joinedAtMs: number;
  muted: boolean;
  presenting: boolean;
  /** Session token, hex; never sent to other participants. */
  token: string;
}

/** What Redis keeps under a session token (RedisKeys.session). */
export type SessionRecord = MemberRecord;

export type JoinOutcome =
  | { ok: true; member: MemberRecord; resumed: boolean }
  | { ok: false; reason: 'USERNAME_TAKEN' | 'WRONG_PASSCODE' | 'SESSION_EXPIRED' };
