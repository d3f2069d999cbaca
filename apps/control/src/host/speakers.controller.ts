import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, isRoomSpeakersEvent } from '@sapora/coordination';
import { encodePayload, MessageType } from '@sapora/protocol';
import { handleEvent, Logger, LOGGER } from '@sapora/service-kit';
import { RoomDirectory } from '../rooms/room-directory';

/** The audio service heard a room's speakers change: this instance's members there get SPEAKERS. */
@Controller()
export class SpeakersController {
  constructor(
    private readonly directory: RoomDirectory,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EventPatterns.roomSpeakers)
  async onSpeakers(event: unknown): Promise<void> {
    await handleEvent(this.logger, 'speakers', () => {
      if (!isRoomSpeakersEvent(event)) {
        this.logger.warn({ event }, 'ignored a malformed speakers event');
        return;
      }
      const payload = encodePayload(MessageType.Speakers, event);
      for (const participant of this.directory.inRoom(event.meetingId))
        participant.connection.send(MessageType.Speakers, payload);
    });
  }
}
