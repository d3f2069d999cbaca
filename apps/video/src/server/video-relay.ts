import { RemoteInfo } from 'node:dgram';
import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import {
  KnownSession,
  LiveSessionCache,
  MembershipEvent,
  RedisLink,
  RoomSealer,
} from '@sapora/coordination';
import {
  DATAGRAM_KIND_OFFSET,
  DATAGRAM_TOKEN_OFFSET,
  DatagramKind,
  participantIdFromBytes,
  participantIdToBytes,
  SESSION_TOKEN_BYTES,
} from '@sapora/protocol';
import {
  DatagramEdge,
  DatagramHandler,
  EndedSession,
  Logger,
  LOGGER,
  MembershipListener,
  NodeLoadSource,
  SessionGate,
} from '@sapora/service-kit';
import { VideoConfig } from '../config/video-config';

/** A room member as the relay sees them. */
interface Viewer {
  participantId: string;
  /** The participant id as the 16 bytes written over the token of what they send. */
  idBytes: Buffer;
  address: string | null;
  port: number;
  /** Senders this member has paused (participant ids). */
  paused: Set<string>;
  /** Their media is sealed: what they receive is sealed under the room's key. */
  sealed: boolean;
}

/** A room's members: by id for lookups, and as an array for the per-datagram loop. */
interface Room {
  byId: Map<string, Viewer>;
  list: Viewer[];
  /** How many of them have plain media. */
  plainViewers: number;
  /** Seals what goes to its sealed members. */
  sealer: RoomSealer;
}

/** A room's list and count of plain members, after a member came or went. */
function listMembers(room: Room): void {
  room.list = [...room.byId.values()];
  room.plainViewers = room.list.filter((viewer) => !viewer.sealed).length;
}

export interface VideoStats {
  received: number;
  relayed: number;
  malformed: number;
  unauthenticated: number;
  rooms: number;
  /** Datagrams not sent to sealed receivers because the room's key was not known here yet. */
  unsealable: number;
  /** Datagrams not sent because the socket's queue was full. */
  sendDropped: number;
}

/**
 * The video relay: each fragment from a live session is relayed, as it arrives,
 * to every other member of the sender's room who has not paused them. It never decodes or
 * waits for a frame: the only change is the sender's id written over the token, in place, so
 * the same buffer goes to everyone (sealed once, under the room's key, for everyone whose
 * media is sealed: opening the sender's datagram and sealing it again are two operations per
 * fragment, whatever the number of receivers). Membership lives in memory, kept fresh by events.
 *
 * Per datagram it builds nothing: the header is checked and the token found in place, a
 * sealed one is opened and sealed again where it arrived, and the loop over the room is one
 * send per receiver (UdpEndpoint answers addresses without a DNS step and drops rather than
 * queues when the socket is backed up, so one receiver that cannot keep up never delays the
 * rest). Only a room that mixes plain and sealed members costs a copy.
 */
@Injectable()
export class VideoRelay
  implements
    DatagramHandler,
    MembershipListener,
    NodeLoadSource,
    OnModuleInit,
    BeforeApplicationShutdown
{
  #edge: DatagramEdge | null = null;
  #statsTimer: NodeJS.Timeout | null = null;
  /** What was logged last: an idle relay logs nothing new. */
  #loggedReceived = -1;
  readonly #gate: SessionGate;
  readonly #rooms = new Map<string, Room>();
  readonly #stats: VideoStats = {
    received: 0,
    relayed: 0,
    malformed: 0,
    unauthenticated: 0,
    rooms: 0,
    unsealable: 0,
    sendDropped: 0,
  };

  constructor(
    private readonly config: VideoConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    sessions: LiveSessionCache,
    link: RedisLink,
  ) {
    this.#gate = new SessionGate('video', sessions, link, config, logger, (session) =>
      this.#drop(session),
    );
  }

  attach(edge: DatagramEdge): void {
    this.#edge = edge;
  }

  /** Figures for operators: one log line per interval while datagrams come in. */
  onModuleInit(): void {
    this.#statsTimer = setInterval(() => {
      const stats = this.stats;
      if (stats.received === this.#loggedReceived) return;
      this.#loggedReceived = stats.received;
      this.logger.info({ ...stats, participants: this.nodeLoad().participants }, 'video stats');
    }, this.config.VIDEO_STATS_INTERVAL_MS);
    this.#statsTimer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.#statsTimer !== null) clearInterval(this.#statsTimer);
  }

  nodeLoad(): { rooms: number; participants: number } {
    let participants = 0;
    for (const room of this.#rooms.values()) participants += room.list.length;
    return { rooms: this.#rooms.size, participants };
  }

  get stats(): VideoStats {
    return { ...this.#stats, rooms: this.#rooms.size, sendDropped: this.#edge?.sendDropped ?? 0 };
  }

  onMembership(event: MembershipEvent): void {
    this.#gate.onMembership(event);
  }

  #drop(session: EndedSession): void {
    const room = this.#rooms.get(session.meetingId);
    if (room === undefined || !room.byId.delete(session.participantId)) return;
    listMembers(room);
    if (room.list.length === 0) this.#rooms.delete(session.meetingId);
  }

  #join(session: KnownSession): Viewer {
    let room = this.#rooms.get(session.meetingId);
    if (room === undefined) {
      room = {
        byId: new Map(),
        list: [],
        plainViewers: 0,
        sealer: new RoomSealer(session.roomKey, 'video'),
      };
      this.#rooms.set(session.meetingId, room);
    }
    const viewer: Viewer = {
      participantId: session.participantId,
      idBytes: participantIdToBytes(session.participantId),
      address: null,
      port: 0,
      paused: new Set(),
      sealed: session.sealing !== undefined,
    };
    room.byId.set(session.participantId, viewer);
    listMembers(room);
    return viewer;
  }

  onDatagram(received: Buffer, from: RemoteInfo): void {
    const admitted = this.#gate.admitInPlace(received, from, this.#stats);
    if (admitted === null) return;
    const { session, header, body } = admitted;
    const room = this.#rooms.get(session.meetingId);
    const viewer = room?.byId.get(session.participantId) ?? this.#join(session);
    if (viewer.port !== from.port || viewer.address !== from.address) {
      viewer.address = from.address;
      viewer.port = from.port;
    }
    const kind = header[DATAGRAM_KIND_OFFSET];
    if (kind === (DatagramKind.VideoPrefs as number)) {
      viewer.paused.clear();
      for (let at = 0; at < body.length; at += SESSION_TOKEN_BYTES)
        viewer.paused.add(participantIdFromBytes(body.subarray(at, at + SESSION_TOKEN_BYTES)));
      return;
    }
    if (kind !== (DatagramKind.VideoFragment as number)) return;
    const edge = this.#edge;
    if (edge === null) return;
    viewer.idBytes.copy(header, DATAGRAM_TOKEN_OFFSET);
    const here = room ?? this.#rooms.get(session.meetingId);
    if (here === undefined) return;
    // Made at most once each, whatever the number of receivers: the plain datagram (as it
    // arrived, or put together from header and opened body) and the sealed one (what arrived,
    // sealed again where it lies, once any plain receiver has its copy).
    let plain = admitted.whole;
    let sealed: Buffer | null | undefined;
    const list = here.list;
    for (let i = 0; i < list.length; i++) {
      const other = list[i];
      if (other === viewer || other.address === null || other.paused.has(viewer.participantId))
        continue;
      if (other.sealed) {
        if (sealed === undefined) {
          if (admitted.whole !== null) sealed = here.sealer.sealApart(header, body);
          else {
            if (here.plainViewers > 0) plain ??= Buffer.concat([header, body]);
            sealed = here.sealer.sealInPlace(received);
          }
        }
        if (sealed === null) {
          this.#stats.unsealable++;
          continue;
        }
        edge.send(sealed, other.port, other.address);
      } else {
        plain ??= Buffer.concat([header, body]);
        edge.send(plain, other.port, other.address);
      }
      this.#stats.relayed++;
    }
  }
}
