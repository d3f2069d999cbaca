import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, MembershipEvent } from '@sapora/coordination';
import { ScreenServer } from '../server/screen-server';

/** Hears control's membership events over the NestJS Redis transport. */
@Controller()
export class MembershipController {
  constructor(private readonly server: ScreenServer) {}

  @EventPattern(EventPatterns.membership)
  onMembership(event: MembershipEvent): void {
    this.server.onMembership(event);
  }
}
