import { Injectable } from '@nestjs/common';
import { MembershipEvent } from '@sapora/coordination';
import { encodePayload, ErrorCode, MessageType } from '@sapora/protocol';
import { MembershipListener } from '@sapora/service-kit';
import { ControlInstance } from './control-instance';
import { hostEnding, MembershipService } from './membership-service';
import { RoomDirectory } from './room-directory';

/**
 * Membership changes, as every control instance hears them from Redis whichever instance made
 * them: each pushes the room's new list to its own members there, and ends its own connection
 * of a session that timed out, left, or resumed on another instance.
 */
@Injectable()
export class RoomEvents implements MembershipListener {
  constructor(
    private readonly instance: ControlInstance,
    private readonly membership: MembershipService,
    private readonly directory: RoomDirectory,
  ) {}

  async onMembership(event: MembershipEvent): Promise<void> {
    // Before anything else, so the key arrives ahead of media sealed under it (the media
    // services wait a moment before they switch).
    if ((event.kind === 'left' || event.kind === 'timed_out') && event.roomKey !== undefined)
      this.membership.pushRoomMediaKey(event.meetingId, event.roomKey);
    const local = this.directory.get(event.meetingId, event.participantId);
    if (local !== undefined) {
      if (event.kind === 'timed_out') {
        this.directory.remove(local);
        local.sendError(
          ErrorCode.SessionExpired,
          'no heartbeat within the idle timeout; join again',
          0,
          true,
        );
      } else if (event.kind === 'left' && event.endedByHost !== undefined) {
        this.directory.remove(local);
        local.connection.end(
          MessageType.Disconnect,
          encodePayload(
            MessageType.Disconnect,
            hostEnding(event.endedByHost, event.host ?? 'the host'),
          ),
        );
      } else if (
        event.kind === 'left' ||
        (event.kind === 'resumed' && event.controlId !== this.instance.id)
      ) {
        this.directory.remove(local);
        local.connection.end(
          MessageType.Disconnect,
          encodePayload(MessageType.Disconnect, {
            reason:
              event.kind === 'left'
                ? 'you left the meeting'
                : 'session resumed on another connection',
          }),
        );
      }
    }
    if (event.kind !== 'resumed') await this.membership.pushParticipantList(event.meetingId);
  }
}
