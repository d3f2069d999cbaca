import { ClientRedis, RedisOptions as NestRedisOptions, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { EventPatterns } from '../keys/redis-keys';
import { MemberRecord } from '../rooms/room-records';

export type MembershipEventKind = 'joined' | 'left' | 'timed_out' | 'updated';

/**
 * Published by control on every membership change; media services drop a departed
 * participant's token (and return address) when they hear `left` or `timed_out`.
 */
export interface MembershipEvent {
  kind: MembershipEventKind;
  meetingId: string;
  participantId: string;
  username: string;
  /** Session token, hex: what media datagrams carry. */
  token: string;
  muted: boolean;
  presenting: boolean;
  atMs: number;
}

export function membershipEvent(kind: MembershipEventKind, member: MemberRecord): MembershipEvent {
  return {
    kind,
    meetingId: member.meetingId,
    participantId: member.participantId,
    username: member.username,
    token: member.token,
    muted: member.muted,
    presenting: member.presenting,
    atMs: Date.now(),
  };
}

/** Options of the NestJS Redis transport (client or server) for a redis:// URL. */
export function redisTransportOptions(
  url: string,
): Required<Pick<NestRedisOptions, 'transport'>> & NestRedisOptions {
  const parsed = new URL(url);
  return {
    transport: Transport.REDIS,
    options: {
      host: parsed.hostname,
      port: Number(parsed.port || 6379),
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined,
      tls: parsed.protocol === 'rediss:' ? {} : undefined,
    },
  };
}

/** Sent by the file service when a file is stored: control tells its recipients. */
export interface FileStoredEvent {
  fileId: string;
  name: string;
  size: number;
  md5: string;
  meetingId: string;
  sender: string;
  recipients: string[];
  sentAtMs: number;
}

/** Sent by the screen service when a share starts or ends: control shows it in the list. */
export interface PresenterEvent {
  meetingId: string;
  participantId: string;
  presenting: boolean;
}

/** Sends events through the NestJS Redis transport. */
export class EventPublisher {
  readonly #client: ClientRedis;

  constructor(redisUrl: string) {
    this.#client = new ClientRedis(redisTransportOptions(redisUrl).options ?? {});
  }

  async connect(): Promise<void> {
    await this.#client.connect();
  }

  async emit(pattern: string, event: object): Promise<void> {
    await lastValueFrom(this.#client.emit(pattern, event), { defaultValue: undefined });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Membership events, as control publishes them. */
export class MembershipPublisher extends EventPublisher {
  async publish(event: MembershipEvent): Promise<void> {
    await this.emit(EventPatterns.membership, event);
  }
}
