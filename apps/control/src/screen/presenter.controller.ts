import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, PresenterEvent } from '@sapora/coordination';
import { handleEvent, Logger, LOGGER } from '@sapora/service-kit';
import { MembershipService } from '../rooms/membership-service';

/** The screen service started or ended a share: the room's participant list shows it. */
@Controller()
export class PresenterController {
  constructor(
    private readonly membership: MembershipService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EventPatterns.presenter)
  async onPresenter(event: PresenterEvent): Promise<void> {
    await handleEvent(this.logger, 'presenter', () =>
      this.membership.setPresenting(event.meetingId, event.participantId, event.presenting),
    );
  }
}
