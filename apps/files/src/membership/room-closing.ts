import { Injectable } from '@nestjs/common';
import { MembershipEvent, RoomStore } from '@sapora/coordination';
import { MembershipListener } from '@sapora/service-kit';
import { FileExpiry } from '../expiry/file-expiry';

/** When the last member of a room leaves or times out, its files and unfinished uploads go. */
@Injectable()
export class RoomClosing implements MembershipListener {
  constructor(
    private readonly store: RoomStore,
    private readonly expiry: FileExpiry,
  ) {}

  async onMembership(event: MembershipEvent): Promise<void> {
    if (event.kind !== 'left' && event.kind !== 'timed_out') return;
    if ((await this.store.members(event.meetingId)).length === 0)
      await this.expiry.roomClosed(event.meetingId);
  }
}
