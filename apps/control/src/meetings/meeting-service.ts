import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  hashOwnerToken,
  MeetingRecord,
  MeetingSchedule,
  ownsMeeting,
  toScheduledMeeting,
} from '@sapora/coordination';
import {
  encodePayload,
  ErrorCode,
  MeetingCreate,
  MeetingDelete,
  meetingEndMs,
  MEETINGS_MAX_SCHEDULED,
  MeetingUpdate,
  MessageType,
  OWNER_TOKEN_BYTES,
} from '@sapora/protocol';
import { FramedConnection, Logger, LOGGER, RequestError } from '@sapora/service-kit';
import { MeetingReminders } from './meeting-reminders';
import {
  checkMeetingCreate,
  checkMeetingRef,
  checkMeetingUpdate,
  checkStartsAt,
  tidyTitle,
} from './meeting-validation';

/** Reads, checks and writes of one request; a concurrent edit makes the loser read again. */
const CHANGE_ATTEMPTS = 5;

type Refusal = { code: ErrorCode; message: string };

function refused(outcome: Refusal): RequestError {
  return new RequestError(outcome.code, outcome.message);
}

/**
 * The meeting scheduler's requests, the only ones a connection may send before REGISTER.
 * Anyone connected may list and create; only the holder of a meeting's owner token (its
 * creator) may change or delete it. Answers go back on the asking connection; refusals are
 * thrown as RequestErrors, which the edge answers naming the request.
 */
@Injectable()
export class MeetingService {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly schedule: MeetingSchedule,
    private readonly reminders: MeetingReminders,
  ) {}

  async list(connection: FramedConnection): Promise<void> {
    const meetings = await this.schedule.list();
    connection.send(
      MessageType.Meetings,
      encodePayload(MessageType.Meetings, { meetings: meetings.map(toScheduledMeeting) }),
    );
  }

  /** `joinedAs` is the connection's session username, once it has joined. */
  async create(
    connection: FramedConnection,
    request: MeetingCreate,
    joinedAs: string | undefined,
  ): Promise<void> {
    const outcome = await this.#create(tidyTitle(request), joinedAs);
    if ('code' in outcome) throw refused(outcome);
    this.#saved(connection, outcome.record, outcome.ownerToken);
  }

  async update(connection: FramedConnection, request: MeetingUpdate): Promise<void> {
    const outcome = await this.#update(tidyTitle(request));
    if ('code' in outcome) throw refused(outcome);
    this.#saved(connection, outcome, Buffer.alloc(0));
  }

  async delete(connection: FramedConnection, request: MeetingDelete): Promise<void> {
    const refusal = await this.#delete(request.meetingId, request.ownerToken);
    if (refusal !== null) throw refused(refusal);
    connection.send(
      MessageType.MeetingDeleted,
      encodePayload(MessageType.MeetingDeleted, { meetingId: request.meetingId }),
    );
  }

  async #create(
    request: MeetingCreate,
    joinedAs: string | undefined,
  ): Promise<{ record: MeetingRecord; ownerToken: Buffer } | Refusal> {
    const problem = checkMeetingCreate(request, joinedAs !== undefined);
    if (problem !== null) return invalid(problem);
    const now = Date.now();
    const start = checkStartsAt(request.startsAt, now);
    if ('problem' in start) return invalid(start.problem);
    const ownerToken = randomBytes(OWNER_TOKEN_BYTES);
    const record: MeetingRecord = {
      meetingId: request.meetingId,
      title: request.title,
      startsAt: start.time.normalized,
      startMs: start.time.startMs,
      durationMinutes: request.durationMinutes,
      createdBy: joinedAs ?? request.username,
      createdAtMs: now,
      ownerTokenHash: hashOwnerToken(ownerToken),
    };
    const outcome = await this.schedule.create(record, now);
    if (outcome === 'EXISTS') {
      const existing = await this.schedule.get(request.meetingId);
      const by = existing === null ? '' : ` by ${existing.createdBy} for ${existing.startsAt}`;
      return {
        code: ErrorCode.MeetingExists,
        message: `meeting "${request.meetingId}" is already scheduled${by}; choose another id`,
      };
    }
    if (outcome === 'FULL') {
      return invalid(
        `the schedule is full (${MEETINGS_MAX_SCHEDULED} meetings); delete one or wait for one to end`,
      );
    }
    await this.reminders.schedule(record);
    this.logger.info(
      { meetingId: record.meetingId, startsAt: record.startsAt, createdBy: record.createdBy },
      'meeting scheduled',
    );
    return { record, ownerToken };
  }

  async #update(request: MeetingUpdate): Promise<MeetingRecord | Refusal> {
    const problem = checkMeetingUpdate(request);
    if (problem !== null) return invalid(problem);
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const now = Date.now();
      const current = await this.#owned(request.meetingId, request.ownerToken, 'change', now);
      if ('code' in current) return current;
      const next: MeetingRecord = { ...current };
      if (request.title !== undefined) next.title = request.title;
      if (request.durationMinutes !== undefined) next.durationMinutes = request.durationMinutes;
      if (request.startsAt !== undefined) {
        const start = checkStartsAt(request.startsAt, now);
        if ('problem' in start) return invalid(start.problem);
        next.startsAt = start.time.normalized;
        next.startMs = start.time.startMs;
      }
      if (meetingEndMs(next) <= now)
        return invalid(`with that duration, meeting "${next.meetingId}" would already be over`);
      if (!(await this.schedule.replace(current, next))) continue;
      if (next.startMs !== current.startMs) {
        await this.reminders.schedule(next);
        await this.reminders.cancel(current);
      }
      this.logger.info({ meetingId: next.meetingId, startsAt: next.startsAt }, 'meeting changed');
      return next;
    }
    return busy(request.meetingId);
  }

  async #delete(meetingId: string, ownerToken: Buffer): Promise<Refusal | null> {
    const problem = checkMeetingRef({ meetingId });
    if (problem !== null) return invalid(problem);
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const current = await this.#owned(meetingId, ownerToken, 'delete', Date.now());
      if ('code' in current) return current;
      if (!(await this.schedule.remove(current))) continue;
      await this.reminders.cancel(current);
      this.logger.info({ meetingId }, 'meeting deleted');
      return null;
    }
    return busy(meetingId);
  }

  /** The meeting, if it is scheduled, not over, and the token is its owner's. */
  async #owned(
    meetingId: string,
    ownerToken: Buffer,
    verb: 'change' | 'delete',
    now: number,
  ): Promise<MeetingRecord | Refusal> {
    const current = await this.schedule.get(meetingId);
    if (current === null || meetingEndMs(current) <= now) {
      return {
        code: ErrorCode.NoSuchMeeting,
        message: `no meeting "${meetingId}" is scheduled`,
      };
    }
    if (!ownsMeeting(current, ownerToken)) {
      return {
        code: ErrorCode.NotAllowed,
        message: `only ${current.createdBy}, who scheduled "${meetingId}", can ${verb} it (the owner token does not match)`,
      };
    }
    return current;
  }

  #saved(connection: FramedConnection, record: MeetingRecord, ownerToken: Buffer): void {
    connection.send(
      MessageType.MeetingSaved,
      encodePayload(MessageType.MeetingSaved, {
        meeting: toScheduledMeeting(record),
        ownerToken,
      }),
    );
  }
}

function invalid(message: string): Refusal {
  return { code: ErrorCode.InvalidRequest, message };
}

/** Someone kept changing the meeting under us: rare enough to hand back rather than spin. */
function busy(meetingId: string): Refusal {
  return {
    code: ErrorCode.Internal,
    message: `meeting "${meetingId}" was being changed by someone else; try again`,
  };
}
