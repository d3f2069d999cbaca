import { RemoteInfo } from 'node:dgram';
import {
  AdmittedDatagram,
  KnownSession,
  LiveSessionCache,
  MembershipEvent,
  RedisLink,
  UNKNOWN_SESSION,
} from '@sapora/coordination';
import { MediaDatagram, MediaKeyKind } from '@sapora/protocol';
import { Logger } from 'pino';
import { MediaServiceConfig } from '../config/common-config';
import { LookupBudget } from './lookup-budget';

/** Who a session that ended was: what its owner needs to drop it from its rooms. */
export type EndedSession = Pick<KnownSession, 'participantId' | 'meetingId'>;

export interface GateCounters {
  received: number;
  malformed: number;
  unauthenticated: number;
}

/**
 * What lets a media datagram in, for audio and video alike: a live session's token, from a
 * cache kept by membership events, with a budgeted Redis lookup for tokens not seen yet, and
 * the whole cache checked again whenever Redis comes back after an outage. `ended` hears of
 * every session that ends, by event or by that check, so its owner drops it from its rooms.
 */
export class SessionGate {
  readonly #sessions: LiveSessionCache;
  readonly #budget: LookupBudget;
  readonly #ended: (session: EndedSession) => void;
  readonly #kind: MediaKeyKind;

  constructor(
    kind: MediaKeyKind,
    sessions: LiveSessionCache,
    link: RedisLink,
    config: MediaServiceConfig,
    logger: Logger,
    ended: (session: EndedSession) => void,
  ) {
    this.#kind = kind;
    this.#sessions = sessions;
    this.#ended = ended;
    this.#budget = new LookupBudget(
      config.UNKNOWN_TOKEN_LOOKUPS_PER_SOURCE,
      config.UNKNOWN_TOKEN_LOOKUPS_PER_SECOND,
    );
    link.onReconnect(
      async () => {
        const gone = await sessions.revalidate();
        gone.forEach(ended);
        if (gone.length > 0)
          logger.info(
            { sessions: gone.length },
            'dropped sessions that ended while Redis was away',
          );
      },
      (error) => logger.error({ err: error }, 'could not check sessions after Redis came back'),
    );
  }

  /** The datagram and its live session, or null (counted) for anything else. */
  admit(
    bytes: Buffer,
    from: RemoteInfo,
    counters: GateCounters,
  ): { datagram: MediaDatagram; session: KnownSession } | null {
    return this.#sessions.admit(
      bytes,
      counters,
      () => this.#budget.allows(from.address, from.port),
      this.#kind,
    );
  }

  /**
   * admit() for the per-packet path: the datagram is checked where it arrived (and opened, if
   * sealed); the caller reads what it needs from the header and body it gets back. Null
   * (counted) for anything that is not a live session's.
   */
  admitInPlace(bytes: Buffer, from: RemoteInfo, counters: GateCounters): AdmittedDatagram | null {
    const found = this.#sessions.admitInPlace(bytes, counters, this.#kind);
    if (found !== UNKNOWN_SESSION) return found;
    if (this.#budget.allows(from.address, from.port)) this.#sessions.lookupAt(bytes, Date.now());
    return null;
  }

  onMembership(event: MembershipEvent): void {
    if (this.#sessions.apply(event))
      this.#ended({ participantId: event.participantId, meetingId: event.meetingId });
  }
}
