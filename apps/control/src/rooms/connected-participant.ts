import { MemberRecord } from '@sapora/coordination';
import { ErrorCode } from '@sapora/protocol';
import { FramedConnection } from '@sapora/service-kit';
import { TokenBucket } from '@sapora/service-kit';

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
    this.connection.sendError(code, message, requestSequence, fatal);
  }
}
