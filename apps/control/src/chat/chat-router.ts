import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ChatHistory, RoomStore, StoredChatMessage } from '@sapora/coordination';
import { ChatSend, DeliveryStatus, encodePayload, ErrorCode, MessageType } from '@sapora/protocol';
import { Logger } from '@sapora/service-kit';
import { LOGGER } from '@sapora/service-kit';
import { checkChatSend } from '../join/request-validation';
import { ConnectedParticipant } from '../rooms/connected-participant';
import { RoomDirectory } from '../rooms/room-directory';

const EVERYONE = /^(all)?$/i;

/**
 * Chat fan-out. Recipients come from the in-memory directory; the message is encoded once
 * for all of them, and the history write runs beside the fan-out rather than before it.
 */
@Injectable()
export class ChatRouter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly directory: RoomDirectory,
    private readonly history: ChatHistory,
    private readonly store: RoomStore,
  ) {}

  async send(sender: ConnectedParticipant, request: ChatSend, sequence: number): Promise<void> {
    const problem = checkChatSend(request);
    if (problem !== null) {
      sender.sendError(
        problem.code === 'TEXT_TOO_LONG' ? ErrorCode.TextTooLong : ErrorCode.InvalidRequest,
        problem.message,
        sequence,
      );
      return;
    }
    if (!sender.chatBucket.take()) {
      sender.sendError(
        ErrorCode.RateLimited,
        `too many messages; try again in ${sender.chatBucket.waitMs()} ms`,
        sequence,
      );
      return;
    }
    if (EVERYONE.test(request.to)) await this.#broadcast(sender, request.text, sequence);
    else await this.#private(sender, request.to, request.text, sequence);
  }

  async #broadcast(sender: ConnectedParticipant, text: string, sequence: number): Promise<void> {
    const { meetingId } = sender.member;
    const message = this.#message(sender, text, '', '');
    const payload = encodePayload(MessageType.ChatMessage, message);
    const stored = this.history.append(meetingId, message);
    let recipients = 0;
    for (const participant of this.directory.inRoom(meetingId)) {
      participant.connection.send(MessageType.ChatMessage, payload);
      if (participant !== sender) recipients++;
    }
    this.#confirm(
      sender,
      sequence,
      recipients > 0 ? DeliveryStatus.Delivered : DeliveryStatus.NobodyElse,
      message,
      recipients,
    );
    await stored;
  }

  async #private(
    sender: ConnectedParticipant,
    to: string,
    text: string,
    sequence: number,
  ): Promise<void> {
    const { meetingId } = sender.member;
    const local = this.directory.findByName(meetingId, to);
    // Someone reconnecting is still a member: the message waits for them in the history.
    const member =
      local?.member ??
      (await this.store.members(meetingId)).find(
        (m) => m.username.toLowerCase() === to.toLowerCase(),
      );
    if (member === undefined) {
      this.#confirm(sender, sequence, DeliveryStatus.NoSuchUser, { messageId: '', to }, 0);
      return;
    }
    const message = this.#message(sender, text, member.username, member.participantId);
    const payload = encodePayload(MessageType.ChatMessage, message);
    const stored = this.history.append(meetingId, message);
    sender.connection.send(MessageType.ChatMessage, payload);
    if (local !== undefined && local !== sender)
      local.connection.send(MessageType.ChatMessage, payload);
    this.#confirm(sender, sequence, DeliveryStatus.Delivered, message, local !== undefined ? 1 : 0);
    this.logger.debug(
      { meetingId, from: sender.member.username, to: member.username },
      'private message',
    );
    await stored;
  }

  #message(
    sender: ConnectedParticipant,
    text: string,
    to: string,
    toId: string,
  ): StoredChatMessage {
    return {
      messageId: randomUUID(),
      fromId: sender.member.participantId,
      from: sender.member.username,
      to,
      toId,
      text,
      sentAtMs: Date.now(),
      private: toId !== '',
    };
  }

  #confirm(
    sender: ConnectedParticipant,
    requestSequence: number,
    status: DeliveryStatus,
    message: Pick<StoredChatMessage, 'messageId' | 'to'>,
    recipients: number,
  ): void {
    sender.connection.send(
      MessageType.ChatDelivery,
      encodePayload(MessageType.ChatDelivery, {
        requestSequence,
        status,
        messageId: message.messageId,
        recipients,
        to: message.to,
      }),
    );
  }
}
