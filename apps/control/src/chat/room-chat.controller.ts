import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventPatterns } from '@sapora/coordination';
import { handleEvent, Logger, LOGGER } from '@sapora/service-kit';
import { ChatRouter, RoomChatEvent } from './chat-router';

/** Chat messages published by any control instance, this one included, for its members. */
@Controller()
export class RoomChatController {
  constructor(
    private readonly chat: ChatRouter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EventPatterns.roomChat)
  async onChat(event: RoomChatEvent): Promise<void> {
    await handleEvent(this.logger, 'room chat', () => this.chat.deliver(event));
  }
}
