import { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ClientRedis, RedisOptions as NestRedisOptions, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { EventPatterns } from '../keys/redis-keys';
import { MemberRecord, RoomMediaKey } from '../rooms/room-records';

export type MembershipEventKind =
  | 'joined'
  | 'left'
  | 'timed_out'
  | 'updated'
  | 'resumed'
  /** The host stopped this participant's screen share: the screen service ends it. */
  | 'stop_share';

const KINDS: readonly string[] = [
  'joined',
  'left',
  'timed_out',
  'updated',
  'resumed',
  'stop_share',
];

/** Why the host ended a session (`left` events only). */
export type EndedByHost = 'removed' | 'meeting_ended';

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
  /** The control instance that published it (a resume: the one the session is connected to now). */
  controlId: string;
  /** A `left` the host caused, and the host's name: the session is told why. */
  endedByHost?: EndedByHost;
  host?: string;
  /** The session's media key, hex, when its media is sealed. */
  mediaKey?: string;
  /**
   * The room's media key after this change: on `joined` and `resumed` the one in use, on `left`
   * and `timed_out` the new one (absent when the room closed).
   */
  roomKey?: RoomMediaKey;
}

export function membershipEvent(
  kind: MembershipEventKind,
  member: MemberRecord,
  controlId: string,
  ended?: { endedByHost: EndedByHost; host: string },
  roomKey?: RoomMediaKey,
): MembershipEvent {
  return {
    ...ended,
    ...(member.mediaKey === undefined ? {} : { mediaKey: member.mediaKey }),
    ...(roomKey === undefined ? {} : { roomKey }),
    kind,
    meetingId: member.meetingId,
    participantId: member.participantId,
    username: member.username,
    token: member.token,
    muted: member.muted,
    presenting: member.presenting,
    atMs: Date.now(),
    controlId,
  };
}

/** Whether a message from the membership channel has the shape of a MembershipEvent. */
export function isMembershipEvent(value: unknown): value is MembershipEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return (
    KINDS.includes(event.kind as string) &&
    typeof event.meetingId === 'string' &&
    typeof event.participantId === 'string' &&
    typeof event.username === 'string' &&
    typeof event.token === 'string' &&
    /^[0-9a-f]{32}$/.test(event.token) &&
    (event.mediaKey === undefined || isKeyHex(event.mediaKey)) &&
    (event.roomKey === undefined || isRoomMediaKey(event.roomKey))
  );
}

const isKeyHex = (value: unknown): boolean =>
  typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);

function isRoomMediaKey(value: unknown): value is RoomMediaKey {
  if (typeof value !== 'object' || value === null) return false;
  const key = value as Record<string, unknown>;
  return isKeyHex(key.key) && Number.isSafeInteger(key.epoch) && (key.epoch as number) >= 0;
}

/** Pause between attempts to reach Redis again after the event transport lost it. */
const TRANSPORT_RETRY_DELAY_MS = 500;

/**
 * Options of the NestJS Redis transport (client or server) for a redis:// URL. The transport
 * gives up on a lost connection unless told how often to retry: it retries for as long as the
 * service runs, and a publish while Redis is away fails after a few tries instead of hanging.
 */
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
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: TRANSPORT_RETRY_DELAY_MS,
      maxRetriesPerRequest: 3,
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
  /** Where to fetch it: the file service holding it. */
  host: string;
  port: number;
}

/** Published by control when a room's media of one kind moved node: the room's clients are told. */
export interface MediaMovedEvent {
  meetingId: string;
  kind: string;
  nodeId: string;
  host: string;
  port: number;
}

/** Published by the audio service when a room's speakers change: control tells the room (SPEAKERS). */
export interface RoomSpeakersEvent {
  meetingId: string;
  /** Loudest first; empty when nobody speaks. */
  participantIds: string[];
  atMs: number;
}

/** Whether a message from the speakers channel has the shape of a RoomSpeakersEvent. */
export function isRoomSpeakersEvent(value: unknown): value is RoomSpeakersEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return (
    typeof event.meetingId === 'string' &&
    Array.isArray(event.participantIds) &&
    event.participantIds.length <= 64 &&
    event.participantIds.every((id) => typeof id === 'string' && id.length <= 64) &&
    typeof event.atMs === 'number'
  );
}

/** Sent by the screen service when a share starts or ends: control shows it in the list. */
export interface PresenterEvent {
  meetingId: string;
  participantId: string;
  presenting: boolean;
}

/** Sends events through the NestJS Redis transport; connects at start, closes at shutdown. */
export class EventPublisher implements OnModuleInit, BeforeApplicationShutdown {
  readonly #client: ClientRedis;

  constructor(redisUrl: string) {
    this.#client = new ClientRedis(redisTransportOptions(redisUrl).options ?? {});
  }

  async onModuleInit(): Promise<void> {
    await this.#client.connect();
  }

  async emit(pattern: string, event: object): Promise<void> {
    await lastValueFrom(this.#client.emit(pattern, event), { defaultValue: undefined });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#client.close();
  }
}

/** Membership events, as control publishes them. */
export class MembershipPublisher extends EventPublisher {
  async publish(event: MembershipEvent): Promise<void> {
    await this.emit(EventPatterns.membership, event);
  }
}
