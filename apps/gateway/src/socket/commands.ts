/**
 * The commands a tab may send, as class-validator classes: every JSON message is checked
 * against its type's class before anything acts on it (docs/PROTOCOL.md, "The gateway").
 * They check shape and bounds; the services still apply their own rules (a username's
 * characters, a meeting time) and their words reach the tab.
 */
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  CHAT_TEXT_MAX_BYTES,
  GATEWAY_COMMAND_TYPES,
  GATEWAY_VIDEO_PREFS_MAX,
  MEETING_DURATION_MAX_MINUTES,
  MEETING_ID_MAX_LENGTH,
  MEETING_TITLE_MAX_LENGTH,
  PASSCODE_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  WEB_HOST_ACTIONS,
} from '@sapora/protocol';

const SERVER_MAX_LENGTH = 262;
const FILE_NAME_MAX_LENGTH = 255;

abstract class Command {
  @IsIn(GATEWAY_COMMAND_TYPES)
  type!: string;

  /** The tab's number for this command, repeated in the answer. */
  @IsOptional()
  @IsInt({ message: 'id must be a whole number' })
  @Min(1)
  @Max(2 ** 31 - 1)
  id?: number;
}

abstract class ServerCommand extends Command {
  @IsOptional()
  @IsString()
  @MaxLength(SERVER_MAX_LENGTH, { message: 'server must be HOST or HOST:PORT' })
  server?: string;
}

export class JoinCommand extends ServerCommand {
  @IsString({ message: 'name is required' })
  @Length(1, USERNAME_MAX_LENGTH, {
    message: `name must be 1 to ${USERNAME_MAX_LENGTH} characters`,
  })
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(MEETING_ID_MAX_LENGTH, {
    message: `meeting must be at most ${MEETING_ID_MAX_LENGTH} characters`,
  })
  meeting?: string;

  @IsOptional()
  @IsString()
  @MaxLength(PASSCODE_MAX_LENGTH, {
    message: `passcode must be at most ${PASSCODE_MAX_LENGTH} characters`,
  })
  passcode?: string;
}

export class LeaveCommand extends Command {}

export class ChatCommand extends Command {
  @IsString()
  @MaxLength(USERNAME_MAX_LENGTH, { message: 'to must be "all" or a username' })
  to!: string;

  /** Characters here; the session checks the UTF-8 byte limit and says so. */
  @IsString()
  @Length(1, CHAT_TEXT_MAX_BYTES, {
    message: `text must be 1 to ${CHAT_TEXT_MAX_BYTES} characters`,
  })
  text!: string;
}

export class FileOfferCommand extends Command {
  @IsString()
  @Length(1, FILE_NAME_MAX_LENGTH, {
    message: `name must be 1 to ${FILE_NAME_MAX_LENGTH} characters`,
  })
  name!: string;

  @IsInt({ message: 'size must be a whole number of bytes' })
  @Min(0)
  size!: number;

  @IsString()
  @MaxLength(USERNAME_MAX_LENGTH, { message: 'to must be "all" or a username' })
  to!: string;
}

export class FileFetchCommand extends Command {
  @IsUUID(undefined, { message: 'fileId must be a file id (a UUID)' })
  fileId!: string;
}

export class FileCancelCommand extends Command {
  @IsInt({ message: 'transfer must be a transfer number' })
  @Min(1)
  transfer!: number;
}

export class MeetingsListCommand extends ServerCommand {}

export class MeetingCreateCommand extends ServerCommand {
  @IsString()
  @Length(1, MEETING_ID_MAX_LENGTH, {
    message: `meetingId must be 1 to ${MEETING_ID_MAX_LENGTH} characters`,
  })
  meetingId!: string;

  @IsString()
  @MaxLength(MEETING_TITLE_MAX_LENGTH * 2)
  title!: string;

  @IsString()
  @MaxLength(64)
  startsAt!: string;

  @IsInt({ message: 'durationMinutes must be a whole number' })
  @Min(1)
  @Max(MEETING_DURATION_MAX_MINUTES)
  durationMinutes!: number;

  @IsOptional()
  @IsString()
  @MaxLength(USERNAME_MAX_LENGTH)
  name?: string;
}

const OWNER_TOKEN = /^([0-9a-f]{2}){0,32}$/;

export class MeetingUpdateCommand extends ServerCommand {
  @IsString()
  @Length(1, MEETING_ID_MAX_LENGTH)
  meetingId!: string;

  @IsString()
  @Matches(OWNER_TOKEN, { message: 'ownerToken must be hex digits' })
  ownerToken!: string;

  @IsOptional()
  @IsString()
  @MaxLength(MEETING_TITLE_MAX_LENGTH * 2)
  title?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  startsAt?: string;

  @IsOptional()
  @IsInt({ message: 'durationMinutes must be a whole number' })
  @Min(1)
  @Max(MEETING_DURATION_MAX_MINUTES)
  durationMinutes?: number;
}

export class MeetingDeleteCommand extends ServerCommand {
  @IsString()
  @Length(1, MEETING_ID_MAX_LENGTH)
  meetingId!: string;

  @IsString()
  @Matches(OWNER_TOKEN, { message: 'ownerToken must be hex digits' })
  ownerToken!: string;
}

/** mic, camera and share: one switch each. */
abstract class SwitchCommand extends Command {
  @IsBoolean({ message: 'on must be true or false' })
  on!: boolean;
}

export class MicCommand extends SwitchCommand {}

export class CameraCommand extends SwitchCommand {}

export class ShareCommand extends SwitchCommand {}

export class VideoPrefsCommand extends Command {
  @IsArray({ message: 'paused must be a list of participant ids' })
  @ArrayMaxSize(GATEWAY_VIDEO_PREFS_MAX, {
    message: `paused may name at most ${GATEWAY_VIDEO_PREFS_MAX} participants`,
  })
  @IsUUID(undefined, { each: true, message: 'paused must be a list of participant ids' })
  paused!: string[];
}

/** Raises or lowers the tab's hand. */
export class HandCommand extends Command {
  @IsBoolean({ message: 'raised must be true or false' })
  raised!: boolean;
}

/** A host action; the control service checks that the tab's participant is the host. */
export class HostActionCommand extends Command {
  @IsIn(WEB_HOST_ACTIONS, { message: `action must be one of ${WEB_HOST_ACTIONS.join(', ')}` })
  action!: (typeof WEB_HOST_ACTIONS)[number];

  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'participantId is too long' })
  participantId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(USERNAME_MAX_LENGTH, { message: 'name is too long' })
  name?: string;
}
