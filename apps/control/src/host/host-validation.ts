import { IsEnum, IsString, MaxLength } from 'class-validator';
import { HostActionKind, USERNAME_MAX_LENGTH } from '@sapora/protocol';

/** Participant ids are UUIDs; anything much longer is not one. */
const PARTICIPANT_ID_MAX_LENGTH = 64;

/** The edge check of a HOST_ACTION payload (the room rules then decide whether it may happen). */
export class HostActionDto {
  @IsEnum(HostActionKind, { message: 'unknown host action' })
  action!: HostActionKind;

  @IsString()
  @MaxLength(PARTICIPANT_ID_MAX_LENGTH, { message: 'participant id is too long' })
  participantId!: string;

  @IsString()
  @MaxLength(USERNAME_MAX_LENGTH, { message: 'username is too long' })
  username!: string;
}
