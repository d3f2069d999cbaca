import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import {
  CHAT_TEXT_MAX_BYTES,
  ChatSend,
  MEDIA_KINDS,
  MEETING_ID_MAX_LENGTH,
  normaliseUsername,
  OWNER_TOKEN_BYTES,
  PASSCODE_MAX_LENGTH,
  SESSION_TOKEN_BYTES,
  USERNAME_MAX_LENGTH,
} from '@sapora/protocol';
import { combine, firstProblem } from '@sapora/service-kit';

export const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

/** A username's rules (normaliseUsername), wherever one arrives from the wire. */
export const IsUsername = (): PropertyDecorator =>
  ValidateBy({
    name: 'isUsername',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && normaliseUsername(value).ok,
      defaultMessage: (args) => {
        const check = normaliseUsername(typeof args?.value === 'string' ? args.value : '');
        return check.ok ? 'username is not valid' : check.problem;
      },
    },
  });

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

/** The edge check of a REGISTER payload (the username is normalised by the join itself). */
export class JoinRequestDto {
  @IsMeetingId()
  meetingId!: string;

  @IsString()
  @MaxLength(PASSCODE_MAX_LENGTH, {
    message: `passcode must be at most ${PASSCODE_MAX_LENGTH} characters`,
  })
  passcode!: string;

  @ValidateBy({
    name: 'isResumeToken',
    validator: {
      validate: (value: unknown) =>
        Buffer.isBuffer(value) && (value.length === 0 || value.length === SESSION_TOKEN_BYTES),
      defaultMessage: () => `resume token must be ${SESSION_TOKEN_BYTES} bytes`,
    },
  })
  resumeToken!: Buffer;

  @ValidateBy({
    name: 'isOwnerToken',
    validator: {
      validate: (value: unknown) =>
        Buffer.isBuffer(value) && (value.length === 0 || value.length === OWNER_TOKEN_BYTES),
      defaultMessage: () => `owner token must be ${OWNER_TOKEN_BYTES} bytes`,
    },
  })
  ownerToken!: Buffer;

  @IsArray()
  @ArrayMaxSize(MEDIA_KINDS.length, { message: 'media lists each kind at most once' })
  @IsIn(MEDIA_KINDS, { each: true, message: `media kinds are ${MEDIA_KINDS.join(', ')}` })
  media!: string[];
}

export class ChatSendDto {
  @IsString()
  @MaxLength(USERNAME_MAX_LENGTH, { message: 'recipient must be "all" or a username' })
  to!: string;

  @IsString()
  @Length(1, undefined, { message: 'message text is empty' })
  text!: string;
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
