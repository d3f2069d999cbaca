import { RemoteInfo } from 'node:dgram';
import { AddressInfo } from 'node:net';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { LiveSessionCache, MembershipEvent } from '@sapora/coordination';
import {
  DATAGRAM_TOKEN_OFFSET,
  DatagramKind,
  participantIdFromBytes,
  participantIdToBytes,
  SESSION_TOKEN_BYTES,
} from '@sapora/protocol';
import { Logger, UdpEndpoint } from '@sapora/service-kit';
import { VideoConfig } from '../config/video-config';
import { LOGGER } from '@sapora/service-kit';

/** A room member as the relay sees them. */
interface Viewer {
  participantId: string;
  /** The participant id as the 16 bytes written over the token of what they send. */
  idBytes: Buffer;
  address: string | null;
  port: number;
  /** Senders this member has paused (participant ids). */
  paused: Set<string>;
}

export interface VideoStats {
  received: number;
  relayed: number;
  malformed: number;
  unauthenticated: number;
  rooms: number;
}

/**
 * The video service's UDP edge: each fragment from a live session is relayed, as it arrives,
 * to every other member of the sender's room who has not paused them. It never decodes or
 * waits for a frame: the only change is the sender's id written over the token, in place, so
 * the same buffer goes to everyone. Membership lives in memory, kept fresh by events.
 */
@Injectable()
export class VideoRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #endpoint: UdpEndpoint;
  readonly #rooms = new Map<string, Map<string, Viewer>>();
  readonly #stats: VideoStats = {
    received: 0,
    relayed: 0,
    malformed: 0,
    unauthenticated: 0,
    rooms: 0,
  };
  #address: AddressInfo | null = null;

  constructor(
    private readonly config: VideoConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly sessions: LiveSessionCache,
  ) {
    this.#endpoint = new UdpEndpoint(
      {
        host: config.VIDEO_HOST,
        port: config.VIDEO_PORT,
        receiveBufferBytes: 8 * 1024 * 1024,
        sendBufferBytes: 8 * 1024 * 1024,
      },
      (datagram, from) => this.#onDatagram(datagram, from),
    );
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error('video relay is not listening');
    return this.#address;
  }

  get stats(): VideoStats {
    return { ...this.#stats, rooms: this.#rooms.size };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.#address = await this.#endpoint.bind();
    this.logger.info(
      { host: this.#address.address, port: this.#address.port },
      `video listening on ${this.#address.address}:${this.#address.port} (UDP)`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#endpoint.close();
  }

  onMembership(event: MembershipEvent): void {
    if (!this.sessions.apply(event)) return;
    const room = this.#rooms.get(event.meetingId);
    room?.delete(event.participantId);
    if (room?.size === 0) this.#rooms.delete(event.meetingId);
  }

  #onDatagram(bytes: Buffer, from: RemoteInfo): void {
    const admitted = this.sessions.admit(bytes, this.#stats);
    if (admitted === null) return;
    const { datagram, session } = admitted;
    let room = this.#rooms.get(session.meetingId);
    if (room === undefined) {
      room = new Map();
      this.#rooms.set(session.meetingId, room);
    }
    let viewer = room.get(session.participantId);
    if (viewer === undefined) {
      viewer = {
        participantId: session.participantId,
        idBytes: participantIdToBytes(session.participantId),
        address: null,
        port: 0,
        paused: new Set(),
      };
      room.set(session.participantId, viewer);
    }
    viewer.address = from.address;
    viewer.port = from.port;
    if (datagram.kind === DatagramKind.VideoPrefs) {
      viewer.paused.clear();
      for (let offset = 0; offset < datagram.body.length; offset += SESSION_TOKEN_BYTES) {
        viewer.paused.add(
          participantIdFromBytes(datagram.body.subarray(offset, offset + SESSION_TOKEN_BYTES)),
        );
      }
      return;
    }
    if (datagram.kind !== DatagramKind.VideoFragment) return;
    viewer.idBytes.copy(bytes, DATAGRAM_TOKEN_OFFSET);
    for (const other of room.values()) {
      if (other === viewer || other.address === null || other.paused.has(viewer.participantId))
        continue;
      this.#endpoint.send(bytes, other.port, other.address);
      this.#stats.relayed++;
    }
  }
}
