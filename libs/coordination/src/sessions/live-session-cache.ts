import { decodeMediaDatagram, MediaDatagram } from '@sapora/protocol';
import { MembershipEvent } from '../events/membership-events';
import { RoomStore } from '../rooms/room-store';
import { TokenMap } from './token-map';

export interface KnownSession {
  participantId: string;
  meetingId: string;
}

/** Most unknown tokens remembered at once: a flood of random tokens cannot grow memory without bound. */
const MAX_UNKNOWN = 10_000;

/**
 * For the media services: which session tokens are live, cached in memory so a datagram never
 * waits on Redis. Filled
 * by membership events (joined) and, for a token not seen yet (this service restarted), by one
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

  get(tokenHex: string): KnownSession | undefined {
    return this.#known.get(Buffer.from(tokenHex, 'hex'));
  }

  add(tokenHex: string, session: KnownSession): void {
    this.#known.set(Buffer.from(tokenHex, 'hex'), session);
    this.#unknownUntil.delete(tokenHex);
  }

  remove(tokenHex: string): KnownSession | undefined {
    return this.#known.delete(Buffer.from(tokenHex, 'hex'));
  }

  /**
   * The first steps for every media datagram: decode it, then find its live session. Returns
   * null (and counts why) for bytes that are not a datagram or carry no live session's token.
   */
  admit(
    bytes: Buffer,
    counters: { received: number; malformed: number; unauthenticated: number },
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
      this.lookup(datagram.token.toString('hex'), Date.now());
      return null;
    }
    return { datagram, session };
  }

  /** Keeps the cache current from control's events; returns true when the event ended a session. */
  apply(event: MembershipEvent): boolean {
    if (event.kind === 'joined') {
      this.add(event.token, { participantId: event.participantId, meetingId: event.meetingId });
      return false;
    }
    if (event.kind === 'left' || event.kind === 'timed_out') {
      this.remove(event.token);
      return true;
    }
    return false;
  }

  /** Looks a token up in Redis in the background, at most once at a time and once per TTL. */
  lookup(tokenHex: string, now: number): void {
    if (this.#pending.has(tokenHex) || (this.#unknownUntil.get(tokenHex) ?? 0) > now) return;
    this.#pending.add(tokenHex);
    this.#store
      .getSession(tokenHex)
      .then((session) => {
        if (session !== null)
          this.add(tokenHex, {
            participantId: session.participantId,
            meetingId: session.meetingId,
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
