import { plainToInstance } from 'class-transformer';
import { IsString, Length, Matches, MaxLength, validateSync } from 'class-validator';
import {
  CHAT_TEXT_MAX_BYTES,
  ChatSend,
  JoinRequest,
  MEETING_ID_MAX_LENGTH,
  PASSCODE_MAX_LENGTH,
  SESSION_TOKEN_BYTES,
  USERNAME_MAX_LENGTH,
} from '@sapora/protocol';

export const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

/** Several property decorators as one, applied in the order a stack of them would be. */
export function combine(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => [...decorators].reverse().forEach((decorate) => decorate(target, key));
}

/** A username's rules, wherever one arrives from the wire. */
export const IsUsername = (): PropertyDecorator =>
  combine(
    IsString(),
    Length(1, USERNAME_MAX_LENGTH, {
      message: `username must be 1 to ${USERNAME_MAX_LENGTH} characters`,
    }),
    Matches(NO_CONTROL_CHARACTERS, { message: 'username must not contain control characters' }),
    Matches(/^\S(.*\S)?$/, { message: 'username must not start or end with a space' }),
  );

/** A meeting id's rules ("" is allowed here: REGISTER reads it as "default"). */
export const IsMeetingId = (): PropertyDecorator =>
  combine(
    IsString(),
    Matches(/^[A-Za-z0-9._-]*$/, {
      message: 'meeting id may hold only letters, digits, ".", "_" and "-"',
    }),
    MaxLength(MEETING_ID_MAX_LENGTH, {
      message: `meeting id must be at most ${MEETING_ID_MAX_LENGTH} characters`,
    }),
  );

/** The edge check of a REGISTER payload. */
export class JoinRequestDto {
  @IsUsername()
  username!: string;

  @IsMeetingId()
  meetingId!: string;

  @IsString()
  @MaxLength(PASSCODE_MAX_LENGTH, {
    message: `passcode must be at most ${PASSCODE_MAX_LENGTH} characters`,
  })
  passcode!: string;
}

export class ChatSendDto {
  @IsString()
  @MaxLength(USERNAME_MAX_LENGTH, { message: 'recipient must be "all" or a username' })
  to!: string;

  @IsString()
  @Length(1, undefined, { message: 'message text is empty' })
  text!: string;
}

/** The first problem with a payload, or null when it is fine. */
export function firstProblem(dtoClass: new () => object, payload: object): string | null {
  const errors = validateSync(plainToInstance(dtoClass, payload));
  if (errors.length === 0) return null;
  return Object.values(errors[0].constraints ?? {})[0] ?? `invalid ${errors[0].property}`;
}

export function checkJoinRequest(request: JoinRequest): string | null {
  const problem = firstProblem(JoinRequestDto, request);
  if (problem !== null) return problem;
  const tokenLength = request.resumeToken.length;
  if (tokenLength !== 0 && tokenLength !== SESSION_TOKEN_BYTES) {
    return `resume token must be ${SESSION_TOKEN_BYTES} bytes`;
  }
  return null;
}

export type ChatProblem = { code: 'INVALID_REQUEST' | 'TEXT_TOO_LONG'; message: string };

export function checkChatSend(request: ChatSend): ChatProblem | null {
  const bytes = Buffer.byteLength(request.text, 'utf8');
  if (bytes > CHAT_TEXT_MAX_BYTES) {
    return {
      code: 'TEXT_TOO_LONG',
      message: `message is ${bytes} bytes, over the limit of ${CHAT_TEXT_MAX_BYTES}`,
    };
  }
  const problem = firstProblem(ChatSendDto, request);
  return problem === null ? null : { code: 'INVALID_REQUEST', message: problem };
}
