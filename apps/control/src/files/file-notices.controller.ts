import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, FileStoredEvent } from '@sapora/coordination';
import { encodePayload, MessageType } from '@sapora/protocol';
import { handleEvent, Logger, LOGGER } from '@sapora/service-kit';
import { RoomDirectory } from '../rooms/room-directory';

/** Tells a file's recipients, over their control connection, that it has arrived. */
@Controller()
export class FileNoticesController {
  constructor(
    private readonly directory: RoomDirectory,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EventPatterns.fileStored)
  async onFileStored(event: FileStoredEvent): Promise<void> {
    await handleEvent(this.logger, 'file stored', () => {
      const payload = encodePayload(MessageType.FileNotice, {
        fileId: event.fileId,
        name: event.name,
        size: event.size,
        md5: event.md5,
        sender: event.sender,
        sentAtMs: event.sentAtMs,
        private: event.recipients.length === 1,
        host: event.host,
        port: event.port,
      });
      for (const participantId of event.recipients) {
        this.directory
          .get(event.meetingId, participantId)
          ?.connection.send(MessageType.FileNotice, payload);
      }
    });
  }
}
