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

/** Sends membership events through the NestJS Redis transport. */
export class MembershipPublisher {
  readonly #client: ClientRedis;

  constructor(redisUrl: string) {
    this.#client = new ClientRedis(redisTransportOptions(redisUrl).options ?? {});
  }

  async connect(): Promise<void> {
    await this.#client.connect();
  }

  async publish(event: MembershipEvent): Promise<void> {
    await lastValueFrom(this.#client.emit(EventPatterns.membership, event), {
      defaultValue: undefined,
    });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
