import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, MeetingReminderEvent } from '@sapora/coordination';
import { encodePayload, MessageType } from '@sapora/protocol';
import { FramedServiceEdge, handleEvent, Logger, LOGGER } from '@sapora/service-kit';

/**
 * A meeting starts soon or now (some instance's reminder worker said so): everyone connected
 * to this instance hears it, joined or not, since the people invited may be anywhere or nowhere yet.
 */
@Controller()
export class MeetingRemindersController {
  constructor(
    private readonly edge: FramedServiceEdge<unknown>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EventPatterns.meetingReminder)
  async onReminder(event: MeetingReminderEvent): Promise<void> {
    await handleEvent(this.logger, 'meeting reminder', () => {
      const payload = encodePayload(MessageType.MeetingReminder, event);
      for (const connection of this.edge.connections)
        connection.send(MessageType.MeetingReminder, payload);
    });
  }
}
