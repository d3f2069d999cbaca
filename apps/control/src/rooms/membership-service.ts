import { Inject, Injectable } from '@nestjs/common';
import {
  ChatHistory,
  FileCatalog,
  FileRecord,
  MemberRecord,
  membershipEvent,
  MembershipEventKind,
  MembershipPublisher,
  RoomStore,
} from '@sapora/coordination';
import {
  DEFAULT_MEETING_ID,
  encodePayload,
  ErrorCode,
  JoinRequest,
  MessageType,
  Participant,
} from '@sapora/protocol';
import { FramedConnection, Logger } from '@sapora/service-kit';
import { TokenBucket } from '../chat/token-bucket';
import { ControlConfig } from '../config/control-config';
import { LOGGER } from '@sapora/service-kit';
import { checkJoinRequest } from '../join/request-validation';
import { ConnectedParticipant } from './connected-participant';
import { RoomDirectory } from './room-directory';

const REFUSALS = {
  USERNAME_TAKEN: ErrorCode.UsernameTaken,
  WRONG_PASSCODE: ErrorCode.WrongPasscode,
  SESSION_EXPIRED: ErrorCode.SessionExpired,
} as const;

export function toWireParticipant(member: MemberRecord): Participant {
  return {
    participantId: member.participantId,
    username: member.username,
    ip: member.ip,
    muted: member.muted,
    presenting: member.presenting,
    joinedAtMs: member.joinedAtMs,
  };
}

/** Joins, leaves and time-outs: Redis first, then the event, then every member's new list. */
@Injectable()
export class MembershipService {
  constructor(
    private readonly config: ControlConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: RoomStore,
    private readonly history: ChatHistory,
    private readonly publisher: MembershipPublisher,
    private readonly directory: RoomDirectory,
    private readonly files: FileCatalog,
  ) {}

  /** Handles REGISTER; returns the participant on success, undefined after a refusal. */
  async join(
    connection: FramedConnection,
    request: JoinRequest,
    sequence: number,
  ): Promise<ConnectedParticipant | undefined> {
    const problem = checkJoinRequest(request);
    if (problem !== null) {
      connection.sendError(ErrorCode.InvalidRequest, problem, sequence);
      return undefined;
    }
    const meetingId = request.meetingId === '' ? DEFAULT_MEETING_ID : request.meetingId;
    const outcome = await this.store.join({
      username: request.username,
      meetingId,
      passcode: request.passcode,
      ip: connection.remoteAddress,
      resumeToken: request.resumeToken.toString('hex'),
    });
    if (!outcome.ok) {
      connection.sendError(
        REFUSALS[outcome.reason],
        this.#refusalText(outcome.reason, request.username, meetingId),
        sequence,
      );
      return undefined;
    }
    if (connection.closed) {
      // The client went away while Redis answered; its session stays resumable until it times out.
      return undefined;
    }
    const participant = new ConnectedParticipant(
      connection,
      outcome.member,
      new TokenBucket(this.config.CHAT_BURST, this.config.CHAT_RATE_PER_SECOND),
    );
    const previous = this.directory.add(participant);
    if (previous !== undefined && previous.connection !== connection) {
      // A resumed session replaces the connection it had; the old one is dead or half-open.
      previous.connection.end(
        MessageType.Disconnect,
        encodePayload(MessageType.Disconnect, { reason: 'session resumed on another connection' }),
      );
    }
    const { member } = outcome;
    const [members, history, files] = await Promise.all([
      this.store.members(meetingId),
      this.history.visibleTo(meetingId, member.participantId),
      this.#filesFor(meetingId, member.participantId),
    ]);
    const participants = { meetingId, participants: members.map(toWireParticipant) };
    connection.send(
      MessageType.Joined,
      encodePayload(MessageType.Joined, {
        participantId: member.participantId,
        sessionToken: Buffer.from(member.token, 'hex'),
        meetingId,
        username: member.username,
        participants,
        history,
        heartbeatIntervalMs: this.config.HEARTBEAT_INTERVAL_MS,
        idleTimeoutMs: this.config.IDLE_TIMEOUT_MS,
        resumed: outcome.resumed,
        serverTimeMs: Date.now(),
        files,
      }),
    );
    this.logger.info(
      {
        meetingId,
        participantId: member.participantId,
        username: member.username,
        ip: member.ip,
        resumed: outcome.resumed,
      },
      outcome.resumed ? 'session resumed' : 'participant joined',
    );
    if (outcome.resumed) {
      connection.send(MessageType.UserList, encodePayload(MessageType.UserList, participants));
    } else {
      await this.#announce('joined', member);
    }
    return participant;
  }

  /** Files in the room sent to this participant and still kept, oldest first. */
  async #filesFor(meetingId: string, participantId: string) {
    const ids = await this.files.inRoom(meetingId);
    const records = await Promise.all(ids.map((id) => this.files.get(id)));
    return records
      .filter(
        (record): record is FileRecord =>
          record !== null && record.recipients.includes(participantId),
      )
      .sort((a, b) => a.storedAtMs - b.storedAtMs)
      .map((record) => ({
        fileId: record.fileId,
        name: record.name,
        size: record.size,
        md5: record.md5,
        sender: record.sender,
        sentAtMs: record.storedAtMs,
        private: record.recipients.length === 1,
      }));
  }

  /** Heartbeat: false when the session has already ended (the caller then closes). */
  async renew(participant: ConnectedParticipant): Promise<boolean> {
    return this.store.renew(participant.member);
  }

  /** Graceful leave: gone from Redis, the room told, the connection closed. */
  async leave(participant: ConnectedParticipant, reason: string): Promise<void> {
    this.directory.remove(participant);
    participant.connection.end();
    const { meetingId, participantId } = participant.member;
    const member = await this.store.leave(meetingId, participantId);
    if (member === null) return;
    this.logger.info(
      { meetingId, participantId, username: member.username, reason },
      'participant left',
    );
    await this.#announce('left', member);
  }

  /** Mute or unmute: the room's lists show it, and media services hear of it. */
  async setMuted(participant: ConnectedParticipant, muted: boolean): Promise<void> {
    const { meetingId, participantId } = participant.member;
    const member = await this.store.updateMember(meetingId, participantId, { muted });
    if (member === null) return;
    participant.member = member;
    await this.#announce('updated', member);
  }

  /** A share started or ended (the screen service says so): the room's lists show it. */
  async setPresenting(
    meetingId: string,
    participantId: string,
    presenting: boolean,
  ): Promise<void> {
    const member = await this.store.updateMember(meetingId, participantId, { presenting });
    if (member === null) return;
    const local = this.directory.get(meetingId, participantId);
    if (local !== undefined) local.member = member;
    await this.#announce('updated', member);
  }

  /** The sweep: sessions past their deadline end everywhere. */
  async expireSessions(): Promise<void> {
    const expired = await this.store.expire();
    for (const member of expired) {
      this.logger.info(
        {
          meetingId: member.meetingId,
          participantId: member.participantId,
          username: member.username,
        },
        'participant timed out',
      );
      const local = this.directory.get(member.meetingId, member.participantId);
      if (local !== undefined) {
        this.directory.remove(local);
        local.sendError(
          ErrorCode.SessionExpired,
          'no heartbeat within the idle timeout; join again',
          0,
          true,
        );
      }
      await this.#announce('timed_out', member);
    }
  }

  /** Sends the room's current list to each of its members connected here. */
  async pushParticipantList(meetingId: string): Promise<void> {
    const members = await this.store.members(meetingId);
    const payload = encodePayload(MessageType.UserList, {
      meetingId,
      participants: members.map(toWireParticipant),
    });
    for (const participant of this.directory.inRoom(meetingId))
      participant.connection.send(MessageType.UserList, payload);
  }

  async #announce(kind: MembershipEventKind, member: MemberRecord): Promise<void> {
    await Promise.all([
      this.publisher.publish(membershipEvent(kind, member)),
      this.pushParticipantList(member.meetingId),
    ]);
  }

  #refusalText(reason: keyof typeof REFUSALS, username: string, meetingId: string): string {
    switch (reason) {
      case 'USERNAME_TAKEN':
        return `username "${username}" is already taken in meeting "${meetingId}"`;
      case 'WRONG_PASSCODE':
        return `wrong passcode for meeting "${meetingId}"`;
      case 'SESSION_EXPIRED':
        return 'that session has ended; join again without a resume token';
    }
  }
}
