import {
  DATAGRAM_TOKEN_OFFSET,
  decodeMediaDatagram,
  MediaDatagram,
  mediaDatagramProblem,
} from '@sapora/protocol';
import { MembershipEvent } from '../events/membership-events';
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

  constructor(store: RoomStore, unknownTtlMs: number) {
    this.#store = store;
    this.#unknownTtlMs = unknownTtlMs;
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
   * null (and counts why) for bytes that are not a datagram or carry no live session's token.
   */
  admit(
    bytes: Buffer,
    counters: { received: number; malformed: number; unauthenticated: number },
    mayLookUp: () => boolean,
  ): { datagram: MediaDatagram; session: KnownSession } | null {
    counters.received++;
    let datagram: MediaDatagram;
    try {
      datagram = decodeMediaDatagram(bytes);
    } catch {
      counters.malformed++;
      return null;
    }
    const session = this.#known.get(datagram.token);
    if (session === undefined) {
      counters.unauthenticated++;
      // A flood of random tokens must not become a flood of Redis reads: the caller's budget
      // (per source and in all) says whether this one may be looked up at all.
      if (mayLookUp()) this.lookup(datagram.token.toString('hex'), Date.now());
      return null;
    }
    return { datagram, session };
  }

  /**
   * admit() for the per-packet path: checks the datagram in place and finds its session by the
   * token's bytes, building nothing. Null (counted) for a malformed datagram; UNKNOWN_SESSION
   * (counted as unauthenticated) for a well-formed one whose token is not cached: the caller
   * decides whether it may cost a lookup (lookupAt).
   */
  admitInPlace(
    bytes: Buffer,
    counters: { received: number; malformed: number; unauthenticated: number },
  ): KnownSession | null | typeof UNKNOWN_SESSION {
    counters.received++;
    if (mediaDatagramProblem(bytes) !== null) {
      counters.malformed++;
      return null;
    }
    const session = this.#known.get(bytes, DATAGRAM_TOKEN_OFFSET);
    if (session !== undefined) return session;
    counters.unauthenticated++;
    return UNKNOWN_SESSION;
  }

  /** Looks up the token of a datagram admitInPlace did not know (see lookup). */
  lookupAt(bytes: Buffer, now: number): void {
    this.lookup(bytes.toString('hex', DATAGRAM_TOKEN_OFFSET, DATAGRAM_TOKEN_OFFSET + 16), now);
  }

  /** Keeps the cache current from control's events; returns true when the event ended a session. */
  apply(event: MembershipEvent): boolean {
    // Events carry the session token (Redis is trusted); datagrams, its media token.
    const mediaToken = mediaTokenOf(event.token);
    if (event.kind === 'joined') {
      this.add(mediaToken, {
        participantId: event.participantId,
        meetingId: event.meetingId,
        muted: event.muted,
      });
      return false;
    }
    if (event.kind === 'updated' || event.kind === 'resumed') {
      const known = this.#known.get(Buffer.from(mediaToken, 'hex'));
      if (known !== undefined) known.muted = event.muted;
      return false;
    }
    if (event.kind === 'left' || event.kind === 'timed_out') {
      this.remove(mediaToken);
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
      .then((session) => {
        if (session !== null)
          this.add(tokenHex, {
            participantId: session.participantId,
            meetingId: session.meetingId,
            muted: session.muted,
          });
        else this.#rememberUnknown(tokenHex, now);
      })
      .catch(() => this.#rememberUnknown(tokenHex, now))
      .finally(() => this.#pending.delete(tokenHex));
  }

  #rememberUnknown(tokenHex: string, now: number): void {
    if (this.#unknownUntil.size >= MAX_UNKNOWN) this.#unknownUntil.clear();
    this.#unknownUntil.set(tokenHex, now + this.#unknownTtlMs);
  }
}
