import {
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import {
  MEETING_DURATION_MAX_MINUTES,
  MEETING_HORIZON_DAYS,
  MEETING_TITLE_MAX_LENGTH,
  MeetingCreate,
  MeetingTime,
  MeetingUpdate,
  parseMeetingTime,
} from '@sapora/protocol';
import { combine, firstProblem } from '@sapora/service-kit';
import { IsMeetingId, IsUsername, NO_CONTROL_CHARACTERS } from '../join/request-validation';

const TITLE_RULES = [
  IsString(),
  Length(1, MEETING_TITLE_MAX_LENGTH, {
    message: `title must be 1 to ${MEETING_TITLE_MAX_LENGTH} characters`,
  }),
  Matches(NO_CONTROL_CHARACTERS, { message: 'title must not contain control characters' }),
];

const DURATION_RULES = [
  IsInt({ message: 'duration_minutes must be a whole number' }),
  Min(1, { message: `duration_minutes must be 1 to ${MEETING_DURATION_MAX_MINUTES}` }),
  Max(MEETING_DURATION_MAX_MINUTES, {
    message: `duration_minutes must be 1 to ${MEETING_DURATION_MAX_MINUTES}`,
  }),
];

/** A scheduled meeting names a real room: unlike REGISTER, a blank id is no "default". */
class MeetingRefDto {
  @IsNotEmpty({ message: 'meeting id is required' })
  @IsMeetingId()
  meetingId!: string;
}

class MeetingCreateDto extends MeetingRefDto {
  @combine(...TITLE_RULES)
  title!: string;

  @IsString()
  startsAt!: string;

  @combine(...DURATION_RULES)
  durationMinutes!: number;
}

class MeetingUpdateDto extends MeetingRefDto {
  @IsOptional()
  @combine(...TITLE_RULES)
  title?: string;

  @IsOptional()
  @IsString()
  startsAt?: string;

  @IsOptional()
  @combine(...DURATION_RULES)
  durationMinutes?: number;
}

class CreatorDto {
  @IsUsername()
  username!: string;
}

/** Titles are kept without surrounding spaces: "  Standup " and "Standup" are one title. */
export function tidyTitle<T extends { title?: string }>(request: T): T {
  return request.title === undefined ? request : { ...request, title: request.title.trim() };
}

/** Before REGISTER the request must say who is scheduling; after it, the session does. */
export function checkMeetingCreate(request: MeetingCreate, joined: boolean): string | null {
  const problem = firstProblem(MeetingCreateDto, request);
  if (problem !== null || joined) return problem;
  if (request.username === '') return 'username (who schedules it) is required before joining';
  return firstProblem(CreatorDto, { username: request.username });
}

export function checkMeetingUpdate(request: MeetingUpdate): string | null {
  return firstProblem(MeetingUpdateDto, request);
}

export function checkMeetingRef(request: { meetingId: string }): string | null {
  return firstProblem(MeetingRefDto, { meetingId: request.meetingId });
}

/** A start time from the wire: ISO 8601 with an offset, in the future, within the horizon. */
export function checkStartsAt(
  text: string,
  nowMs: number,
): { time: MeetingTime } | { problem: string } {
  const time = parseMeetingTime(text);
  const quoted = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  if (time === null) {
    return {
      problem: `starts_at ${quoted} is not an ISO 8601 time with an offset (e.g. 2026-11-26T10:00:00+01:00 or 2026-11-26T09:00:00Z)`,
    };
  }
  if (time.startMs <= nowMs) return { problem: `starts_at ${quoted} is in the past` };
  if (time.startMs > nowMs + MEETING_HORIZON_DAYS * 86_400_000)
    return { problem: `starts_at ${quoted} is more than ${MEETING_HORIZON_DAYS} days ahead` };
  return { time };
}
