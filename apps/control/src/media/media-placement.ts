import { Inject, Injectable } from '@nestjs/common';
import {
  CapacityCheck,
  EventPatterns,
  MediaMovedEvent,
  MembershipPublisher,
  PresenterEvent,
  RoomPlacement,
  RoomStore,
} from '@sapora/coordination';
import { ErrorCode, MediaEndpoint, MediaKind } from '@sapora/protocol';
import { Logger, LOGGER, RequestError } from '@sapora/service-kit';

/** What a join needs from placement: where the room's media is, and what must have room. */
export interface JoinPlacement {
  endpoints: MediaEndpoint[];
  capacity: CapacityCheck[];
}

/**
 * Control's side of putting rooms on media nodes: placing a room's media when someone joins,
 * and (the placement watch, every PLACEMENT_WATCH_MS on one instance) moving a room whose node
 * let its lease lapse, died or drains, then telling the room where to go.
 */
@Injectable()
export class MediaPlacement {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly placement: RoomPlacement,
    private readonly store: RoomStore,
    private readonly publisher: MembershipPublisher,
  ) {}

  /**
   * Places the room's media (each kind that has nodes at all) and lists where it is. A kind the
   * joiner says it needs must have room for one more: every node full refuses the join here,
   * and the room's node being full refuses it in the join itself (RoomStore checks both ways).
   */
  async forJoin(meetingId: string, needs: readonly string[]): Promise<JoinPlacement> {
    const outcomes = await this.placement.placeAll(meetingId);
    const endpoints: MediaEndpoint[] = [];
    const capacity: CapacityCheck[] = [];
    for (const outcome of outcomes) {
      const needed = needs.includes(outcome.kind);
      if (outcome.node === null) {
        if (needed && outcome.reason === 'full') {
          await this.placement.releaseIfEmpty(meetingId);
          throw new RequestError(
            ErrorCode.NoCapacity,
            `every ${outcome.kind} server is full; try again later, or ask for another media host`,
          );
        }
        continue;
      }
      const { node } = outcome;
      if (outcome.moved) this.#logPlaced(meetingId, outcome.kind, node.nodeId, 'first join');
      endpoints.push({ kind: node.kind, host: node.host, port: node.port, nodeId: node.nodeId });
      if (needed) capacity.push({ kind: node.kind, nodeId: node.nodeId, capacity: node.capacity });
    }
    return { endpoints, capacity };
  }

  /**
   * After a refused join: a room nobody is in lets go of the nodes it was just placed on, or
   * they would go on counting it as load.
   */
  async releaseIfEmpty(meetingId: string): Promise<void> {
    await this.placement.releaseIfEmpty(meetingId);
  }

  /** The placement watch: rooms whose node lapsed, went or drains move, and are told. */
  async watch(): Promise<void> {
    for (const room of await this.placement.roomsToPlace()) {
      const outcome = await this.placement.place(
        room.meetingId,
        room.kind,
        room.reason === 'lapsed' ? room.previous : '',
      );
      if (outcome.node === null || !outcome.moved) continue;
      this.#logPlaced(room.meetingId, room.kind, outcome.node.nodeId, room.reason, room.previous);
      const moved: MediaMovedEvent = {
        meetingId: room.meetingId,
        kind: room.kind,
        nodeId: outcome.node.nodeId,
        host: outcome.node.host,
        port: outcome.node.port,
      };
      await this.publisher.emit(EventPatterns.mediaMoved, moved);
      // A share lived on the screen node that went: the lists must not go on showing it.
      if (room.kind === 'screen' && room.previous !== '') await this.#sharesEnded(room.meetingId);
    }
  }

  async #sharesEnded(meetingId: string): Promise<void> {
    for (const member of await this.store.members(meetingId)) {
      if (!member.presenting) continue;
      const event: PresenterEvent = {
        meetingId,
        participantId: member.participantId,
        presenting: false,
      };
      await this.publisher.emit(EventPatterns.presenter, event);
    }
  }

  #logPlaced(meetingId: string, kind: MediaKind, nodeId: string, why: string, previous = ''): void {
    this.logger.info(
      { meetingId, kind, nodeId, previous: previous || undefined, why },
      previous === ''
        ? `room ${meetingId}: ${kind} placed on node ${nodeId} (${why})`
        : `room ${meetingId}: ${kind} moved from node ${previous} to ${nodeId} (${why})`,
    );
  }
}
