import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  ChatHistory,
  EventPatterns,
  MembershipPublisher,
  RoomStore,
  StoredChatMessage,
} from '@sapora/coordination';
import {
  ChatSend,
  DeliveryStatus,
  encodePayload,
  ErrorCode,
  MessageType,
  usernameKey,
} from '@sapora/protocol';
import { Logger, LOGGER } from '@sapora/service-kit';
import { checkChatSend } from '../join/request-validation';
import { ConnectedParticipant } from '../rooms/connected-participant';
import { RoomDirectory } from '../rooms/room-directory';

const EVERYONE = /^(all)?$/i;

/** A chat message on its way to a room's members, through Redis to every control instance. */
export interface RoomChatEvent {
  meetingId: string;
  message: StoredChatMessage;
}

/**
 * Chat. A message goes to every control instance through Redis (one channel, so all of them
 * see a room's messages in the same order) and each delivers it to its own members of the
 * room, the sender's instance included; it is encoded once per instance. The history write and
 * the publish go out together; the sender's delivery report counts the room's members.
 */
@Injectable()
export class ChatRouter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly directory: RoomDirectory,
    private readonly history: ChatHistory,
    private readonly store: RoomStore,
    private readonly publisher: MembershipPublisher,
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

  /** A message some instance published: this instance's members of the room get it. */
  deliver(event: RoomChatEvent): void {
    const { message } = event;
    const payload = encodePayload(MessageType.ChatMessage, message);
    if (!message.private) {
      for (const participant of this.directory.inRoom(event.meetingId))
        participant.connection.send(MessageType.ChatMessage, payload);
      return;
    }
    for (const participantId of new Set([message.fromId, message.toId]))
      this.directory
        .get(event.meetingId, participantId)
        ?.connection.send(MessageType.ChatMessage, payload);
  }

  /** A system line for the whole room (a host action): in the history, to everyone present. */
  async system(meetingId: string, text: string): Promise<void> {
    await this.#publish(meetingId, {
      messageId: randomUUID(),
      fromId: '',
      from: '',
      to: '',
      toId: '',
      text,
      sentAtMs: Date.now(),
      private: false,
      system: true,
    });
  }

  async #broadcast(sender: ConnectedParticipant, text: string, sequence: number): Promise<void> {
    const { meetingId } = sender.member;
    const message = this.#message(sender, text, '', '');
    const [members] = await Promise.all([
      this.store.memberCount(meetingId),
      this.#publish(meetingId, message),
    ]);
    const recipients = Math.max(members - 1, 0);
    this.#confirm(
      sender,
      sequence,
      recipients > 0 ? DeliveryStatus.Delivered : DeliveryStatus.NobodyElse,
      message,
      recipients,
    );
  }

  async #private(
    sender: ConnectedParticipant,
    to: string,
    text: string,
    sequence: number,
  ): Promise<void> {
    const { meetingId } = sender.member;
    const key = usernameKey(to);
    // Connected here, or to another instance, or reconnecting: a member either way; the
    // message waits in the history for one who is away.
    const member =
      this.directory.findByKey(meetingId, key)?.member ??
      (await this.store.members(meetingId)).find((m) => m.nameKey === key);
    if (member === undefined) {
      this.#confirm(sender, sequence, DeliveryStatus.NoSuchUser, { messageId: '', to }, 0);
      return;
    }
    const message = this.#message(sender, text, member.username, member.participantId);
    await this.#publish(meetingId, message);
    this.#confirm(sender, sequence, DeliveryStatus.Delivered, message, 1);
    this.logger.debug(
      { meetingId, from: sender.member.username, to: member.username },
      'private message',
    );
  }

  async #publish(meetingId: string, message: StoredChatMessage): Promise<void> {
    const event: RoomChatEvent = { meetingId, message };
    await Promise.all([
      this.history.append(meetingId, message),
      this.publisher.emit(EventPatterns.roomChat, event),
    ]);
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
