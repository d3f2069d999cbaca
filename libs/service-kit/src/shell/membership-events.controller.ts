import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns, isMembershipEvent, MembershipEvent } from '@sapora/coordination';
import { Logger, LOGGER } from '../logging/logger';

/** Nest token of the provider a service names as its membership listener. */
export const MEMBERSHIP_LISTENER = Symbol('MEMBERSHIP_LISTENER');

/** Told of every membership change control publishes. */
export interface MembershipListener {
  onMembership(event: MembershipEvent): void | Promise<void>;
}

/**
 * The one membership listener of every service that hears control's events: checks each
 * event's shape (anything can be published on a Redis channel) and hands it on; a listener's
 * failure is logged, never allowed to end the process.
 */
@Controller()
export class MembershipEventsController {
  constructor(
    @Inject(MEMBERSHIP_LISTENER) private readonly listener: MembershipListener,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EventPatterns.membership)
  async onMembership(event: unknown): Promise<void> {
    await handleEvent(this.logger, 'membership', async () => {
      if (!isMembershipEvent(event)) {
        this.logger.warn({ event }, 'ignored a malformed membership event');
        return;
      }
      await this.listener.onMembership(event);
    });
  }
}

/** Runs an event handler so that its failure is logged and goes no further. */
export async function handleEvent(
  logger: Logger,
  what: string,
  handle: () => void | Promise<void>,
): Promise<void> {
  try {
    await handle();
  } catch (error) {
    logger.error({ err: error, event: what }, `handling a ${what} event failed`);
  }
}
