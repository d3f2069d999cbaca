import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, MembershipEvent, RoomStore } from '@sapora/coordination';
import { FileExpiry } from '../expiry/file-expiry';

/** When the last member of a room leaves or times out, its files go. */
@Controller()
export class RoomClosingController {
  constructor(
    private readonly store: RoomStore,
    private readonly expiry: FileExpiry,
  ) {}

  @EventPattern(EventPatterns.membership)
  async onMembership(event: MembershipEvent): Promise<void> {
    if (event.kind !== 'left' && event.kind !== 'timed_out') return;
    if ((await this.store.members(event.meetingId)).length === 0)
      await this.expiry.roomClosed(event.meetingId);
  }
}
