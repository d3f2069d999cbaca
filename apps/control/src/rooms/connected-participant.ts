import { MemberRecord } from '@sapora/coordination';
import { encodePayload, ErrorCode, MessageType } from '@sapora/protocol';
import { FramedConnection } from '@sapora/service-kit';
import { TokenBucket } from '../chat/token-bucket';

/** A joined participant on one of this instance's connections. */
export class ConnectedParticipant {
  readonly connection: FramedConnection;
  readonly chatBucket: TokenBucket;
  member: MemberRecord;

  constructor(connection: FramedConnection, member: MemberRecord, chatBucket: TokenBucket) {
    this.connection = connection;
    this.member = member;
    this.chatBucket = chatBucket;
  }

  sendError(code: ErrorCode, message: string, requestSequence = 0, fatal = false): void {
    sendError(this.connection, code, message, requestSequence, fatal);
  }
}

/** Sends an ERROR frame; a fatal one also ends the connection once it is flushed. */
export function sendError(
  connection: FramedConnection,
  code: ErrorCode,
  message: string,
  requestSequence = 0,
  fatal = false,
): void {
  const payload = encodePayload(MessageType.Error, { code, message, requestSequence, fatal });
  if (fatal) connection.end(MessageType.Error, payload);
  else connection.send(MessageType.Error, payload);
}
