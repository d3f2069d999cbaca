import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, MediaMovedEvent } from '@sapora/coordination';
import { encodePayload, MessageType } from '@sapora/protocol';
import { handleEvent, Logger, LOGGER } from '@sapora/service-kit';
import { RoomDirectory } from '../rooms/room-directory';

/** A room's media moved node: this instance's members of the room hear where to go (MEDIA_MOVED). */
@Controller()
export class MediaMovedController {
  constructor(
    private readonly directory: RoomDirectory,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EventPatterns.mediaMoved)
  async onMoved(event: MediaMovedEvent): Promise<void> {
    await handleEvent(this.logger, 'media moved', () => {
      const payload = encodePayload(MessageType.MediaMoved, {
        kind: event.kind,
        host: event.host,
        port: event.port,
        nodeId: event.nodeId,
      });
      for (const participant of this.directory.inRoom(event.meetingId))
        participant.connection.send(MessageType.MediaMoved, payload);
    });
  }
}
