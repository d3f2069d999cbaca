import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { MaintenanceQueue, MembershipPublisher } from '@sapora/coordination';
import {
  CLIENT_TO_CONTROL_LIMITS,
  decodePayload,
  encodePayload,
  ErrorCode,
  Frame,
  MalformedPayloadError,
  MessageType,
  messageTypeName,
} from '@sapora/protocol';
import { FramedConnection, FramedTcpServer, Logger } from '@sapora/service-kit';
import { AddressInfo } from 'node:net';
import { ChatRouter } from '../chat/chat-router';
import { ControlConfig } from '../config/control-config';
import { LOGGER } from '@sapora/service-kit';
import { ConnectedParticipant } from '../rooms/connected-participant';
import { MembershipService } from '../rooms/membership-service';
import { RoomDirectory } from '../rooms/room-directory';
import { TokenBucket } from '../chat/token-bucket';
import { MeetingReminders } from '../meetings/meeting-reminders';
import { isMeetingRequest, MeetingService } from '../meetings/meeting-service';

/**
 * The control service's TCP edge: accepts connections, decodes frames and routes each to
 * membership, chat or the meeting scheduler. A connection's frames are handled one at a time,
 * in order, so a chat sent right after REGISTER never overtakes the join.
 */
@Injectable()
export class ControlServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #tcp: FramedTcpServer;
  #address: AddressInfo | null = null;

  constructor(
    private readonly config: ControlConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly membership: MembershipService,
    private readonly chat: ChatRouter,
    private readonly directory: RoomDirectory,
    private readonly publisher: MembershipPublisher,
    private readonly maintenance: MaintenanceQueue,
    private readonly meetings: MeetingService,
    private readonly reminders: MeetingReminders,
  ) {
    this.#tcp = new FramedTcpServer({
      host: config.CONTROL_HOST,
      port: config.CONTROL_PORT,
      limits: CLIENT_TO_CONTROL_LIMITS,
      incompleteFrameTimeoutMs: config.INCOMPLETE_FRAME_TIMEOUT_MS,
      maxSendBufferBytes: config.MAX_SEND_BUFFER_BYTES,
    });
    this.#tcp.on('connection', (connection) => this.#serve(connection));
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error('control server is not listening');
    return this.#address;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.publisher.connect();
    await this.maintenance.start(this.config.SWEEP_INTERVAL_MS);
    await this.reminders.start();
    this.#address = await this.#tcp.listen();
    this.logger.info(
      { host: this.#address.address, port: this.#address.port },
      `control listening on ${this.#address.address}:${this.#address.port} (TCP)`,
    );
  }

  /** Stop accepting, tell every client, wait for them to go; sessions stay in Redis for resume. */
  async beforeApplicationShutdown(): Promise<void> {
    this.#tcp.stopAccepting();
    const goodbye = encodePayload(MessageType.Disconnect, {
      reason: 'server shutting down',
      retry: true,
    });
    for (const connection of this.#tcp.connections) connection.end(MessageType.Disconnect, goodbye);
    await this.#tcp.drain(this.config.SHUTDOWN_GRACE_MS);
    await this.maintenance.close();
    await this.reminders.close();
    await this.publisher.close();
  }

  /** Sends one encoded payload to every connection, joined or not. */
  broadcast(type: MessageType, payload: Uint8Array): void {
    for (const connection of this.#tcp.connections) connection.send(type, payload);
  }

  #serve(connection: FramedConnection): void {
    let participant: ConnectedParticipant | undefined;
    let queue = Promise.resolve();
    const log = this.logger.child({ connection: connection.id, ip: connection.remoteAddress });
    const meetingRequests = new TokenBucket(
      this.config.MEETING_REQUEST_BURST,
      this.config.MEETING_REQUEST_RATE_PER_SECOND,
    );

    const handle = async (frame: Frame): Promise<void> => {
      if (connection.closed) return;
      // The decoder only lets through types in CLIENT_TO_CONTROL_LIMITS.
      const type = frame.type as MessageType;
      // The scheduler is open before REGISTER: people look at and plan meetings before joining.
      if (isMeetingRequest(type)) {
        if (!meetingRequests.take()) {
          connection.sendError(
            ErrorCode.RateLimited,
            `too many scheduler requests; try again in ${meetingRequests.waitMs()} ms`,
            frame.sequence,
          );
          return;
        }
        await this.meetings.handle(connection, { ...frame, type }, participant?.member.username);
        return;
      }
      if (participant === undefined) {
        if (type !== MessageType.Register) {
          connection.sendError(
            ErrorCode.NotJoined,
            `${messageTypeName(frame.type)} before REGISTER`,
            frame.sequence,
            true,
          );
          return;
        }
        participant = await this.membership.join(
          connection,
          decodePayload(MessageType.Register, frame.payload),
          frame.sequence,
        );
        return;
      }
      switch (type) {
        case MessageType.Heartbeat:
          decodePayload(MessageType.Heartbeat, frame.payload);
          if (await this.membership.renew(participant))
            connection.echo(MessageType.Heartbeat, frame.sequence);
          else
            participant.sendError(
              ErrorCode.SessionExpired,
              'session has ended; join again',
              frame.sequence,
              true,
            );
          return;
        case MessageType.ChatSend:
          await this.chat.send(
            participant,
            decodePayload(MessageType.ChatSend, frame.payload),
            frame.sequence,
          );
          return;
        case MessageType.Disconnect:
          decodePayload(MessageType.Disconnect, frame.payload);
          await this.membership.leave(participant, 'disconnect');
          return;
        case MessageType.SetMuted:
          await this.membership.setMuted(
            participant,
            decodePayload(MessageType.SetMuted, frame.payload).muted,
          );
          return;
        case MessageType.Register:
          participant.sendError(
            ErrorCode.AlreadyJoined,
            'already joined on this connection',
            frame.sequence,
          );
          return;
      }
    };

    connection.on('frame', (frame) => {
      queue = queue
        .then(() => handle(frame))
        .catch((error: unknown) => {
          if (error instanceof MalformedPayloadError) {
            log.warn(
              { type: messageTypeName(frame.type), err: error.message },
              'malformed payload',
            );
            connection.sendError(ErrorCode.MalformedFrame, error.message, frame.sequence, true);
            return;
          }
          log.error({ err: error, type: messageTypeName(frame.type) }, 'request failed');
          connection.sendError(ErrorCode.Internal, 'internal error; try again', frame.sequence);
        });
    });
    connection.on('protocolError', (error) => {
      log.warn({ err: error.message }, 'protocol error; closing connection');
      connection.closeForProtocolError(error);
    });
    connection.on('close', () => {
      // A dropped connection is not a leave: the session stays resumable until it times out.
      if (participant !== undefined) this.directory.remove(participant);
    });
  }
}
