import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  ChatHistory,
  EndedByHost,
  FileCatalog,
  FileRecord,
  MeetingSchedule,
  MemberRecord,
  RoomMediaKey,
  membershipEvent,
  MembershipEventKind,
  MembershipPublisher,
  ownsMeeting,
  PasscodeGuard,
  RoomControls,
  RoomState,
  RoomStore,
} from '@sapora/coordination';
import {
  DEFAULT_MEETING_ID,
  Disconnect,
  encodePayload,
  ErrorCode,
  FileNotice,
  JoinRequest,
  MessageType,
  normaliseUsername,
  Participant,
  ParticipantList,
} from '@sapora/protocol';
import { FramedConnection, Logger, LOGGER, RequestError } from '@sapora/service-kit';
import { TokenBucket } from '@sapora/service-kit';
import { ChatRouter } from '../chat/chat-router';
import { ControlConfig } from '../config/control-config';
import { MediaPlacement } from '../media/media-placement';
import { ConnectedParticipant } from './connected-participant';
import { ControlInstance } from './control-instance';
import { RoomDirectory } from './room-directory';

export function toWireParticipant(member: MemberRecord, room: RoomState): Participant {
  return {
    participantId: member.participantId,
    username: member.username,
    ip: member.ip,
    muted: member.muted,
    presenting: member.presenting,
    joinedAtMs: member.joinedAtMs,
    host: member.participantId === room.hostId,
    handRaised: room.raisedHands.includes(member.participantId),
    mutedBy: member.mutedBy ?? '',
    recording: member.recording === true,
  };
}

/** The room's list as the wire carries it: members in order of joining, host, lock, hands. */
export function toParticipantList(
  meetingId: string,
  members: readonly MemberRecord[],
  room: RoomState,
): ParticipantList {
  return {
    meetingId,
    participants: members.map((member) => toWireParticipant(member, room)),
    hostId: room.hostId,
    locked: room.locked,
    raisedHands: room.raisedHands,
  };
}

/** What a connection has tried so far, for the limits that span its requests. */
export interface JoinAttempts {
  wrongPasscodes: number;
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

/** What a session the host ended is told (DISCONNECT), whichever path tells it. */
export function hostEnding(endedByHost: EndedByHost, host: string): Disconnect {
  return endedByHost === 'removed'
    ? { reason: `${host} removed you from the meeting`, code: ErrorCode.Removed, retry: false }
    : { reason: `${host} ended the meeting`, code: ErrorCode.MeetingEnded, retry: false };
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
    private readonly passcodes: PasscodeGuard,
    private readonly media: MediaPlacement,
    private readonly instance: ControlInstance,
    private readonly controls: RoomControls,
    private readonly schedule: MeetingSchedule,
    private readonly chat: ChatRouter,
  ) {}

  /**
   * Handles REGISTER (already checked against JoinRequestDto): returns the participant, or
   * throws the refusal. The name is normalised here, once, before anything is stored.
   */
  async join(
    connection: FramedConnection,
    request: JoinRequest,
    attempts: JoinAttempts,
  ): Promise<ConnectedParticipant | undefined> {
    const name = normaliseUsername(request.username);
    if (!name.ok) throw new RequestError(ErrorCode.InvalidRequest, name.problem);
    const meetingId = request.meetingId === '' ? DEFAULT_MEETING_ID : request.meetingId;
    const address = connection.remoteAddress;
    const resuming = request.resumeToken.length > 0;
    if (!resuming) await this.#refuseIfGuessing(meetingId, address);
    const placed = await this.media.forJoin(meetingId, request.media);
    const owner = await this.#provesOwnership(meetingId, request.ownerToken);
    const outcome = await this.store.join({
      username: name.display,
      nameKey: name.key,
      meetingId,
      passcode: request.passcode,
      ip: address,
      resumeToken: request.resumeToken.toString('hex'),
      capacity: placed.capacity,
      owner,
      recording: request.recording,
      sealedMedia: connection.encrypted,
    });
    if (!outcome.ok) {
      await this.media.releaseIfEmpty(meetingId);
      if (outcome.reason === 'WRONG_PASSCODE')
        return this.#wrongPasscode(meetingId, address, attempts);
      if (outcome.reason === 'ROOM_LOCKED')
        throw new RequestError(
          ErrorCode.RoomLocked,
          `meeting "${meetingId}" is locked by its host: nobody new can join now`,
        );
      if (outcome.reason === 'REMOVED')
        throw new RequestError(
          ErrorCode.Removed,
          `the host removed "${name.display}" from meeting "${meetingId}"; ask the host to let you back in`,
        );
      if (outcome.reason === 'NO_CAPACITY')
        throw new RequestError(
          ErrorCode.NoCapacity,
          `the ${outcome.kind} server meeting "${meetingId}" runs on is full; try again later`,
        );
      throw outcome.reason === 'USERNAME_TAKEN'
        ? new RequestError(
            ErrorCode.UsernameTaken,
            `username "${name.display}" is already taken in meeting "${meetingId}"`,
          )
        : new RequestError(
            ErrorCode.SessionExpired,
            'that session has ended; join again without a resume token',
          );
    }
    if (request.passcode !== '' && !resuming) await this.passcodes.clear(meetingId, address);
    // The client went away while Redis answered; its session stays resumable until it times out.
    if (connection.closed) return undefined;
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
    const [participants, history, files] = await Promise.all([
      this.participantList(meetingId),
      this.history.visibleTo(meetingId, member.participantId),
      this.#filesFor(meetingId, member.participantId),
    ]);
    connection.send(
      MessageType.Joined,
      encodePayload(MessageType.Joined, {
        participantId: member.participantId,
        sessionToken: Buffer.from(member.token, 'hex'),
        meetingId,
        username: member.username,
        participants,
        history: history.map((message) => ({ ...message, system: message.system === true })),
        heartbeatIntervalMs: this.config.HEARTBEAT_INTERVAL_MS,
        idleTimeoutMs: this.config.IDLE_TIMEOUT_MS,
        resumed: outcome.resumed,
        serverTimeMs: Date.now(),
        files,
        audioSampleRate: this.config.AUDIO_SAMPLE_RATE,
        audioFrameSamples: this.config.AUDIO_FRAME_SAMPLES,
        media: placed.endpoints,
        videoDatagramBytes: this.config.VIDEO_DATAGRAM_BYTES,
        mediaToken: Buffer.from(member.mediaToken, 'hex'),
        ...(member.mediaKey === undefined
          ? {}
          : {
              mediaKey: Buffer.from(member.mediaKey, 'hex'),
              roomMediaKey: Buffer.from(outcome.roomKey.key, 'hex'),
              roomMediaKeyEpoch: outcome.roomKey.epoch,
            }),
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
      // The connection it had may be on another control instance, which lets it go.
      await this.#announce('resumed', member, outcome.roomKey);
    } else {
      await this.#announce('joined', member, outcome.roomKey);
      // Nobody is recorded without being told: the list marks the recorder, the chat says so.
      if (member.recording === true)
        await this.chat.system(meetingId, `${member.username} is recording this meeting`);
    }
    return participant;
  }

  /** A join carrying the scheduled meeting's owner token joins as its host. */
  async #provesOwnership(meetingId: string, token: Buffer): Promise<boolean> {
    if (token.length === 0) return false;
    const meeting = await this.schedule.get(meetingId);
    return meeting !== null && ownsMeeting(meeting, token);
  }

  /** An address that has guessed too often must wait for the window to pass. */
  async #refuseIfGuessing(meetingId: string, address: string): Promise<void> {
    if (
      (await this.passcodes.misses(meetingId, address)) < this.config.PASSCODE_GUESSES_PER_ADDRESS
    )
      return;
    const waitMs = await this.passcodes.retryInMs(meetingId, address);
    throw new RequestError(
      ErrorCode.RateLimited,
      `too many wrong passcodes for meeting "${meetingId}" from ${address}; try again in ${seconds(waitMs)} s`,
      true,
    );
  }

  /**
   * A wrong passcode: counted for the address, answered after a delay that doubles with each
   * miss, and after a few on one connection the connection is closed.
   */
  async #wrongPasscode(meetingId: string, address: string, attempts: JoinAttempts): Promise<never> {
    attempts.wrongPasscodes++;
    const { count } = await this.passcodes.miss(meetingId, address);
    this.logger.warn({ meetingId, ip: address, misses: count }, 'wrong passcode');
    await sleep(Math.min(this.config.PASSCODE_GUESS_DELAY_MS * 2 ** (count - 1), 30_000));
    const last = attempts.wrongPasscodes >= this.config.PASSCODE_GUESSES_PER_CONNECTION;
    throw new RequestError(
      ErrorCode.WrongPasscode,
      last
        ? `wrong passcode for meeting "${meetingId}"; too many tries on this connection`
        : `wrong passcode for meeting "${meetingId}"`,
      last,
    );
  }

  /** Files in the room sent to this participant and still kept, oldest first. */
  async #filesFor(meetingId: string, participantId: string): Promise<FileNotice[]> {
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
        host: record.host,
        port: record.port,
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
    const departure = await this.store.leave(meetingId, participantId);
    if (departure === null) return;
    this.logger.info(
      { meetingId, participantId, username: departure.member.username, reason },
      'participant left',
    );
    await this.#announce('left', departure.member, departure.roomKey);
  }

  /** Mute or unmute: the room's lists show it, and media services hear of it. */
  async setMuted(participant: ConnectedParticipant, muted: boolean): Promise<void> {
    const { meetingId, participantId } = participant.member;
    // Unmuting oneself is always allowed, and ends a mute the host made.
    const member = await this.store.updateMember(meetingId, participantId, {
      muted,
      mutedBy: '',
    });
    if (member === null) return;
    participant.member = member;
    await this.#announce('updated', member);
  }

  /** The room's list now: members, host, lock and raised hands. */
  async participantList(meetingId: string): Promise<ParticipantList> {
    const [members, room] = await Promise.all([
      this.store.members(meetingId),
      this.controls.state(meetingId),
    ]);
    return toParticipantList(meetingId, members, room);
  }

  /**
   * Ends a session the host ended (removed, or the whole meeting): gone from Redis, and the
   * instance it is connected to tells it why (RoomEvents).
   */
  async endByHost(
    meetingId: string,
    participantId: string,
    endedByHost: EndedByHost,
    host: string,
  ): Promise<MemberRecord | null> {
    // First the reason, so a heartbeat that finds the session gone before the news arrives
    // tells the client why rather than "expired" (which would make it join again).
    await this.controls.noteEnded(meetingId, participantId, hostEnding(endedByHost, host));
    const departure = await this.store.leave(meetingId, participantId);
    if (departure === null) return null;
    const { member } = departure;
    this.logger.info(
      { meetingId, participantId, username: member.username, endedByHost, host },
      'session ended by the host',
    );
    await this.publisher.publish(
      membershipEvent('left', member, this.instance.id, { endedByHost, host }, departure.roomKey),
    );
    return member;
  }

  /** Why the host ended this participant's session, if it did: what to tell its connection. */
  async endedByHostNote(participant: ConnectedParticipant): Promise<Disconnect | null> {
    const { meetingId, participantId } = participant.member;
    const note = await this.controls.endedNote(meetingId, participantId);
    return note === null ? null : { reason: note.reason, code: note.code, retry: false };
  }

  /** A change to the room itself (host, lock, hands): every instance pushes the new list. */
  async roomChanged(member: MemberRecord, kind: MembershipEventKind = 'updated'): Promise<void> {
    await this.#announce(kind, member);
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

  /**
   * The sweep (one instance at a time): sessions past their deadline end everywhere; the
   * instance a session is connected to tells it (RoomEvents).
   */
  async expireSessions(): Promise<void> {
    const expired = await this.store.expire();
    for (const { member, roomKey } of expired) {
      this.logger.info(
        {
          meetingId: member.meetingId,
          participantId: member.participantId,
          username: member.username,
        },
        'participant timed out',
      );
      await this.#announce('timed_out', member, roomKey);
    }
  }

  /** Sends the room's current list to each of its members connected here. */
  async pushParticipantList(meetingId: string): Promise<void> {
    const payload = encodePayload(MessageType.UserList, await this.participantList(meetingId));
    for (const participant of this.directory.inRoom(meetingId))
      participant.connection.send(MessageType.UserList, payload);
  }

  /**
   * Sends the room's new media key to each of its members connected here whose media is sealed
   * (someone left: ROOM_MEDIA_KEY).
   */
  pushRoomMediaKey(meetingId: string, roomKey: RoomMediaKey): void {
    const payload = encodePayload(MessageType.RoomMediaKey, {
      key: Buffer.from(roomKey.key, 'hex'),
      epoch: roomKey.epoch,
    });
    for (const participant of this.directory.inRoom(meetingId))
      if (participant.member.mediaKey !== undefined)
        participant.connection.send(MessageType.RoomMediaKey, payload);
  }

  /** Every control instance hears it (RoomEvents) and pushes the new list to its members. */
  async #announce(
    kind: MembershipEventKind,
    member: MemberRecord,
    roomKey?: RoomMediaKey,
  ): Promise<void> {
    await this.publisher.publish(
      membershipEvent(kind, member, this.instance.id, undefined, roomKey),
    );
  }
}
