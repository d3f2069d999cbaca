import {
  DATAGRAM_HEADER_LENGTH,
  DATAGRAM_KEY_EPOCH_OFFSET,
  DATAGRAM_TOKEN_OFFSET,
  DATAGRAM_VERSION,
  DATAGRAM_VERSION_OFFSET,
  deriveMediaKey,
  isSealedDatagram,
  MAX_VIDEO_DATAGRAM_BYTES,
  MediaDatagram,
  mediaDatagramPartsProblem,
  mediaDatagramProblem,
  MediaKey,
  MediaKeyKind,
  openSealedBody,
  readMediaDatagram,
  ReplayWindow,
  SEAL_OVERHEAD,
} from '@sapora/protocol';
import { MembershipEvent } from '../events/membership-events';
import { RoomMediaKey, SessionRecord } from '../rooms/room-records';
import { RoomStore } from '../rooms/room-store';
import { mediaTokenOf } from './media-token';
import { TokenMap } from './token-map';

export interface KnownSession {
  participantId: string;
  meetingId: string;
  /**
   * Muted (by themselves or the host), as control's events and the session record say: the
   * audio mixer drops a muted participant's audio. Updated in place, so a datagram reads it
   * without a lookup.
   */
  muted?: boolean;
  /** Present when its media is sealed: it then never sends plain datagrams. */
  sealing?: SessionSealing;
  /** Its room's media key, shared by every session of the room and updated in place. */
  roomKey: RoomKeyState;
}

/** What a media service keeps to open a sealed session's datagrams. */
export interface SessionSealing {
  /** The session's media key. */
  mediaKey: Buffer;
  /** Nonce counters of its datagrams seen here. */
  replay: ReplayWindow;
  /** The key its datagrams to this service are sealed with, derived at the first one. */
  uplinkKey?: MediaKey;
}

/**
 * A room's media key as a media service uses it: updated in place when it changes, so whoever
 * holds it (a relay's room, a mixer's room) sees the change without a lookup. `key` is null
 * until the key is known (a room whose every member's media is plain never has one).
 */
export interface RoomKeyState {
  epoch: number;
  key: Buffer | null;
}

const sealedLengthFits = (bytes: Buffer): boolean =>
  bytes.length >= DATAGRAM_HEADER_LENGTH + SEAL_OVERHEAD &&
  bytes.length <= MAX_VIDEO_DATAGRAM_BYTES;

/** A datagram admitInPlace let in: plain now, its header and body wherever they are. */
export interface AdmittedDatagram {
  session: KnownSession;
  /** Starts with the version-1 header (for a plain datagram, it is the whole datagram). */
  header: Buffer;
  /** The body: where it arrived, or (sealed) opened into a buffer of its own. */
  body: Buffer;
  /** The whole datagram as it arrived, when it came plain (else null: header and body apart). */
  whole: Buffer | null;
}

/** admitInPlace's answer for a well-formed datagram whose token is not (yet) known. */
export const UNKNOWN_SESSION = Symbol('unknown session');

/** Most unknown tokens remembered at once: a flood of random tokens cannot grow memory without bound. */
const MAX_UNKNOWN = 10_000;

/**
 * For the media services: which media tokens (mediaTokenOf a live session's token: what
 * datagrams carry) are live, cached in memory so a datagram never waits on Redis. Filled by
 * membership events (joined) and, for a token not seen yet (this service restarted), by one
 * Redis lookup; emptied by events (left, timed out). Unknown tokens are remembered for a while
 * so that garbage costs one lookup per token, not one per datagram.
 */
export class LiveSessionCache {
  readonly #store: RoomStore;
  readonly #unknownTtlMs: number;
  readonly #known = new TokenMap<KnownSession>();
  readonly #unknownUntil = new Map<string, number>();
  readonly #pending = new Set<string>();
  readonly #roomKeys = new Map<string, RoomKeyState>();
  readonly #roomKeyGraceMs: number;

  /**
   * `roomKeyGraceMs`: how long a room's old key stays in use after a leave changed it, so the
   * new key reaches every client (over control's connections) before media sealed under it.
   */
  constructor(store: RoomStore, unknownTtlMs: number, roomKeyGraceMs = 250) {
    this.#store = store;
    this.#unknownTtlMs = unknownTtlMs;
    this.#roomKeyGraceMs = roomKeyGraceMs;
  }

  /** A room's media key (one shared object per room, updated in place). */
  roomKey(meetingId: string): RoomKeyState {
    let state = this.#roomKeys.get(meetingId);
    if (state === undefined) {
      state = { epoch: -1, key: null };
      this.#roomKeys.set(meetingId, state);
    }
    return state;
  }

  /**
   * A room's key from an event or Redis. The key a join or Redis names is the one in use: taken
   * at once if it differs (a room that closed and opened again counts its epochs from 0). A
   * leave's newer key is taken after the grace period.
   */
  #updateRoomKey(meetingId: string, roomKey: RoomMediaKey, afterLeave: boolean): void {
    const state = this.roomKey(meetingId);
    const key = Buffer.from(roomKey.key, 'hex');
    if (!afterLeave) {
      if (state.key === null || state.epoch !== roomKey.epoch || !state.key.equals(key)) {
        state.epoch = roomKey.epoch;
        state.key = key;
      }
      return;
    }
    if (roomKey.epoch <= state.epoch) return;
    setTimeout(() => {
      if (roomKey.epoch <= state.epoch) return;
      state.epoch = roomKey.epoch;
      state.key = key;
    }, this.#roomKeyGraceMs).unref();
  }

  #knownSession(record: {
    participantId: string;
    meetingId: string;
    muted?: boolean;
    mediaKey?: string;
  }): KnownSession {
    return {
      participantId: record.participantId,
      meetingId: record.meetingId,
      muted: record.muted,
      ...(record.mediaKey === undefined
        ? {}
        : {
            sealing: { mediaKey: Buffer.from(record.mediaKey, 'hex'), replay: new ReplayWindow() },
          }),
      roomKey: this.roomKey(record.meetingId),
    };
  }

  get(mediaTokenHex: string): KnownSession | undefined {
    return this.#known.get(Buffer.from(mediaTokenHex, 'hex'));
  }

  add(mediaTokenHex: string, session: KnownSession): void {
    this.#known.set(Buffer.from(mediaTokenHex, 'hex'), session);
    this.#unknownUntil.delete(mediaTokenHex);
  }

  remove(mediaTokenHex: string): KnownSession | undefined {
    return this.#known.delete(Buffer.from(mediaTokenHex, 'hex'));
  }

  /**
   * The first steps for every media datagram: decode it, then find its live session. Returns
   * null (and counts why) for bytes that are not a datagram or carry no live session's token
   * (see admitInPlace for sealed sessions).
   */
  admit(
    bytes: Buffer,
    counters: { received: number; malformed: number; unauthenticated: number },
    mayLookUp: () => boolean,
    kind: MediaKeyKind,
  ): { datagram: MediaDatagram; session: KnownSession } | null {
    const found = this.admitInPlace(bytes, counters, kind);
    if (found === UNKNOWN_SESSION) {
      // A flood of random tokens must not become a flood of Redis reads: the caller's budget
      // (per source and in all) says whether this one may be looked up at all.
      if (mayLookUp()) this.lookupAt(bytes, Date.now());
      return null;
    }
    if (found === null) return null;
    return { datagram: readMediaDatagram(found.header, found.body), session: found.session };
  }

  /**
   * admit() for the per-packet path: checks the datagram where it arrived and finds its session
   * by the token's bytes. Null (counted) for a malformed datagram, and (counted as
   * unauthenticated) for one that does not match its session: a sealed session's datagram must
   * be sealed under its key and not replayed, a plain session's must be plain. UNKNOWN_SESSION
   * (counted as unauthenticated) for a well-formed one whose token is not cached: the caller
   * decides whether it may cost a lookup (lookupAt).
   */
  admitInPlace(
    bytes: Buffer,
    counters: { received: number; malformed: number; unauthenticated: number },
    kind: MediaKeyKind,
  ): AdmittedDatagram | null | typeof UNKNOWN_SESSION {
    counters.received++;
    const sealed = isSealedDatagram(bytes);
    if (sealed ? !sealedLengthFits(bytes) : mediaDatagramProblem(bytes) !== null) {
      counters.malformed++;
      return null;
    }
    const session = this.#known.get(bytes, DATAGRAM_TOKEN_OFFSET);
    if (session === undefined) {
      counters.unauthenticated++;
      return UNKNOWN_SESSION;
    }
    const { sealing } = session;
    if (sealing === undefined) {
      if (!sealed)
        return {
          session,
          header: bytes,
          body: bytes.subarray(DATAGRAM_HEADER_LENGTH),
          whole: bytes,
        };
      counters.unauthenticated++;
      return null;
    }
    if (!sealed) {
      counters.unauthenticated++;
      return null;
    }
    sealing.uplinkKey ??= deriveMediaKey(sealing.mediaKey, kind, 'up');
    const body = openSealedBody(bytes, sealing.uplinkKey, sealing.replay);
    if (body === null) {
      counters.unauthenticated++;
      return null;
    }
    // The header as the plain datagram's, where it arrived: nobody reads the sealed one again.
    const header = bytes.subarray(0, DATAGRAM_HEADER_LENGTH);
    header[DATAGRAM_VERSION_OFFSET] = DATAGRAM_VERSION;
    header[DATAGRAM_KEY_EPOCH_OFFSET] = 0;
    if (mediaDatagramPartsProblem(header, body.length) !== null) {
      counters.malformed++;
      return null;
    }
    return { session, header, body, whole: null };
  }

  /** Looks up the token of a datagram admitInPlace did not know (see lookup). */
  lookupAt(bytes: Buffer, now: number): void {
    this.lookup(bytes.toString('hex', DATAGRAM_TOKEN_OFFSET, DATAGRAM_TOKEN_OFFSET + 16), now);
  }

  /** Keeps the cache current from control's events; returns true when the event ended a session. */
  apply(event: MembershipEvent): boolean {
    // Events carry the session token (Redis is trusted); datagrams, its media token.
    const mediaToken = mediaTokenOf(event.token);
    if (event.roomKey !== undefined)
      this.#updateRoomKey(
        event.meetingId,
        event.roomKey,
        event.kind === 'left' || event.kind === 'timed_out',
      );
    if (event.kind === 'joined') {
      this.add(mediaToken, this.#knownSession(event));
      return false;
    }
    if (event.kind === 'updated' || event.kind === 'resumed') {
      const known = this.#known.get(Buffer.from(mediaToken, 'hex'));
      if (known !== undefined) known.muted = event.muted;
      return false;
    }
    if (event.kind === 'left' || event.kind === 'timed_out') {
      this.remove(mediaToken);
      // The last one out closed the room: its key goes with it.
      if (event.roomKey === undefined) this.#roomKeys.delete(event.meetingId);
      return true;
    }
    return false;
  }

  /**
   * Checks every cached session against Redis again (after an outage, whose events were lost,
   * or a Redis that came back empty): those that have ended are dropped and returned.
   */
  async revalidate(): Promise<KnownSession[]> {
    const known = [...this.#known.entries()];
    const records = await Promise.all(
      known.map(([token]) => this.#store.getSessionByMediaToken(token.toString('hex'))),
    );
    const ended: KnownSession[] = [];
    // Keys changed by leaves whose events were lost: one read per room.
    const rooms = new Map<string, SessionRecord>();
    for (const record of records) if (record !== null) rooms.set(record.meetingId, record);
    await Promise.all([...rooms.values()].map((record) => this.#learnRoomKey(record)));
    known.forEach(([token, session], i) => {
      const record = records[i];
      if (record !== null) {
        // A mute or unmute whose event was lost while Redis was away.
        session.muted = record.muted;
        return;
      }
      this.#known.delete(token);
      ended.push(session);
    });
    return ended;
  }

  /** Looks a media token up in Redis in the background, at most once at a time and once per TTL. */
  lookup(tokenHex: string, now: number): void {
    if (this.#pending.has(tokenHex) || (this.#unknownUntil.get(tokenHex) ?? 0) > now) return;
    this.#pending.add(tokenHex);
    this.#store
      .getSessionByMediaToken(tokenHex)
      .then(async (session) => {
        if (session === null) return this.#rememberUnknown(tokenHex, now);
        await this.#learnRoomKey(session);
        this.add(tokenHex, this.#knownSession(session));
      })
      .catch(() => this.#rememberUnknown(tokenHex, now))
      .finally(() => this.#pending.delete(tokenHex));
  }

  /** A session found by lookup (this service restarted, or the room moved here): its room's key. */
  async #learnRoomKey(session: SessionRecord): Promise<void> {
    const roomKey = await this.#store.roomMediaKey(session.meetingId);
    if (roomKey !== null) this.#updateRoomKey(session.meetingId, roomKey, false);
  }

  #rememberUnknown(tokenHex: string, now: number): void {
    if (this.#unknownUntil.size >= MAX_UNKNOWN) this.#unknownUntil.clear();
    this.#unknownUntil.set(tokenHex, now + this.#unknownTtlMs);
  }
}
