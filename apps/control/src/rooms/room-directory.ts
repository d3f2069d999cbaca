import { ConnectedParticipant } from './connected-participant';

/**
 * Who is connected to this control instance, by room and by name: the in-memory view that
 * chat fan-out reads, so no message waits on a Redis round trip to find its recipients.
 */
export class RoomDirectory {
  readonly #rooms = new Map<string, Map<string, ConnectedParticipant>>();

  add(participant: ConnectedParticipant): ConnectedParticipant | undefined {
    const { meetingId, participantId } = participant.member;
    let room = this.#rooms.get(meetingId);
    if (room === undefined) {
      room = new Map();
      this.#rooms.set(meetingId, room);
    }
    const previous = room.get(participantId);
    room.set(participantId, participant);
    return previous;
  }

  /** Removes this very connection (not a newer one that resumed the same participant). */
  remove(participant: ConnectedParticipant): void {
    const { meetingId, participantId } = participant.member;
    const room = this.#rooms.get(meetingId);
    if (room?.get(participantId) !== participant) return;
    room.delete(participantId);
    if (room.size === 0) this.#rooms.delete(meetingId);
  }

  get(meetingId: string, participantId: string): ConnectedParticipant | undefined {
    return this.#rooms.get(meetingId)?.get(participantId);
  }

  inRoom(meetingId: string): Iterable<ConnectedParticipant> {
    return this.#rooms.get(meetingId)?.values() ?? [];
  }

  /** The member here whose name has this key (usernameKey of what someone typed). */
  findByKey(meetingId: string, nameKey: string): ConnectedParticipant | undefined {
    for (const participant of this.inRoom(meetingId)) {
      if (participant.member.nameKey === nameKey) return participant;
    }
    return undefined;
  }
}
