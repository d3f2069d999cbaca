import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, MeetingReminderEvent } from '@sapora/coordination';
import { encodePayload, MessageType } from '@sapora/protocol';
import { ControlServer } from '../server/control-server';

/**
 * A meeting starts soon or now (some instance's reminder worker said so): everyone connected
 * to this instance hears it, joined or not, since the people invited may be anywhere or nowhere yet.
 */
@Controller()
export class MeetingRemindersController {
  constructor(private readonly server: ControlServer) {}

  @EventPattern(EventPatterns.meetingReminder)
  onReminder(event: MeetingReminderEvent): void {
    this.server.broadcast(
      MessageType.MeetingReminder,
      encodePayload(MessageType.MeetingReminder, event),
    );
  }
}
