import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, MembershipEvent } from '@sapora/coordination';
import { VideoRelay } from '../server/video-relay';

/** Hears control's membership events over the NestJS Redis transport. */
@Controller()
export class MembershipController {
  constructor(private readonly relay: VideoRelay) {}

  @EventPattern(EventPatterns.membership)
  onMembership(event: MembershipEvent): void {
    this.relay.onMembership(event);
  }
}
