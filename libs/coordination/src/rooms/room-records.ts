/** What Redis keeps about one member of a room (RedisKeys.roomMembers). */
export interface MemberRecord {
  participantId: string;
  /** As shown: the typed name after NFKC (normaliseUsername). */
  username: string;
  /** The name's comparison key (normaliseUsername), unique in the room; what a leave frees. */
  nameKey: string;
  meetingId: string;
  ip: string;
  joinedAtMs: number;
  muted: boolean;
  presenting: boolean;
  /** The host's name when the host muted them (cleared when they unmute); absent otherwise. */
  mutedBy?: string;
  /** Joined to record the meeting: everyone's list shows it. */
  recording?: boolean;
  /** Session token, hex; never sent to other participants. */
  token: string;
  /** mediaTokenOf(token): what this session's media datagrams carry, and its Redis key. */
  mediaToken: string;
  /**
   * The session's media key, hex (16 random bytes): its datagrams are sealed under keys derived
   * from it. Only for sessions that joined over TLS; a plain-TCP session's media is plain too.
   */
  mediaKey?: string;
}

/** A room's media key, which changes whenever someone leaves (PROTOCOL.md section 7). */
export interface RoomMediaKey {
  /** Counts the room's keys from 0 when the room opens. */
  epoch: number;
  /** 16 bytes, hex. */
  key: string;
}

/** What Redis keeps for a session, under its media token (RedisKeys.session). */
export type SessionRecord = MemberRecord;

export type JoinOutcome =
  | { ok: true; member: MemberRecord; resumed: boolean; roomKey: RoomMediaKey }
  | {
      ok: false;
      reason: 'USERNAME_TAKEN' | 'WRONG_PASSCODE' | 'SESSION_EXPIRED' | 'ROOM_LOCKED' | 'REMOVED';
    }
  | { ok: false; reason: 'NO_CAPACITY'; kind: string };
