import { Injectable } from '@nestjs/common';
import { RoomPlacement } from '@sapora/coordination';
import {
  CLIENT_TO_CONTROL_LIMITS,
  encodePayload,
  ErrorCode,
  MessageType,
  messageTypeName,
} from '@sapora/protocol';
import {
  ConnectionContext,
  ConnectionDeadlines,
  FramedConnection,
  FramedProtocol,
  FrameHandlers,
  RequestError,
} from '@sapora/service-kit';
import { ChatRouter } from '../chat/chat-router';
import { TokenBucket } from '@sapora/service-kit';
import { ControlConfig } from '../config/control-config';
import { HostService } from '../host/host-service';
import { HostActionDto } from '../host/host-validation';
import { JoinRequestDto } from '../join/request-validation';
import { MeetingService } from '../meetings/meeting-service';
import { ConnectedParticipant } from '../rooms/connected-participant';
import { JoinAttempts, MembershipService } from '../rooms/membership-service';
import { RoomDirectory } from '../rooms/room-directory';

/** What control keeps per connection. */
export interface ControlConnectionState extends JoinAttempts {
  participant: ConnectedParticipant | undefined;
  meetingRequests: TokenBucket;
}

type Context = ConnectionContext<ControlConnectionState>;

const GOODBYE = encodePayload(MessageType.Disconnect, {
  reason: 'server shutting down',
  retry: true,
});

/**
 * The control service's frames: join, heartbeats, chat, mute, host actions and raised hands,
 * leave, and the scheduler (open
 * before joining). A connection that has not joined may only use the scheduler and send
 * heartbeats as keepalives; one that sends nothing for UNJOINED_IDLE_TIMEOUT_MS is closed.
 */
@Injectable()
export class ControlProtocol implements FramedProtocol<ControlConnectionState> {
  readonly handlers = new FrameHandlers<ControlConnectionState>(CLIENT_TO_CONTROL_LIMITS);
  readonly deadlines: ConnectionDeadlines;

  constructor(
    private readonly config: ControlConfig,
    private readonly membership: MembershipService,
    private readonly chat: ChatRouter,
    private readonly directory: RoomDirectory,
    private readonly meetings: MeetingService,
    private readonly placement: RoomPlacement,
    private readonly host: HostService,
  ) {
    this.deadlines = { unauthenticatedIdleMs: config.UNJOINED_IDLE_TIMEOUT_MS };
    this.handlers
      .on(
        MessageType.Register,
        (request, frame, context) => this.#join(request, context),
        JoinRequestDto,
      )
      .on(MessageType.Heartbeat, (_none, frame, context) =>
        this.#heartbeat(frame.sequence, context),
      )
      .on(MessageType.ChatSend, (request, frame, context) =>
        this.chat.send(this.#joined(context, frame.type), request, frame.sequence),
      )
      .on(MessageType.SetMuted, (request, frame, context) =>
        this.membership.setMuted(this.#joined(context, frame.type), request.muted),
      )
      .on(
        MessageType.HostAction,
        (request, frame, context) =>
          this.host.act(this.#joined(context, frame.type), request, frame.sequence),
        HostActionDto,
      )
      .on(MessageType.RaiseHand, (request, frame, context) =>
        this.host.raiseHand(this.#joined(context, frame.type), request.raised),
      )
      .on(MessageType.Disconnect, (_request, frame, context) =>
        this.membership.leave(this.#joined(context, frame.type), 'disconnect'),
      )
      .on(MessageType.MeetingsList, (_none, _frame, context) =>
        this.#scheduler(context, () => this.meetings.list(context.connection)),
      )
      .on(MessageType.MeetingCreate, (request, _frame, context) =>
        this.#scheduler(context, () =>
          this.meetings.create(
            context.connection,
            request,
            context.state.participant?.member.username,
          ),
        ),
      )
      .on(MessageType.MeetingUpdate, (request, _frame, context) =>
        this.#scheduler(context, () => this.meetings.update(context.connection, request)),
      )
      .on(MessageType.MeetingDelete, (request, _frame, context) =>
        this.#scheduler(context, () => this.meetings.delete(context.connection, request)),
      )
      .on(MessageType.NodesList, (_none, _frame, context) =>
        this.#scheduler(context, () => this.#nodes(context)),
      );
  }

  open(): ControlConnectionState {
    return {
      participant: undefined,
      wrongPasscodes: 0,
      meetingRequests: new TokenBucket(
        this.config.MEETING_REQUEST_BURST,
        this.config.MEETING_REQUEST_RATE_PER_SECOND,
      ),
    };
  }

  closed(context: Context): void {
    // A dropped connection is not a leave: the session stays resumable until it times out.
    const { participant } = context.state;
    if (participant !== undefined) this.directory.remove(participant);
  }

  /** Shutdown: clients are told to come back, and their sessions stay in Redis for the resume. */
  farewell(connection: FramedConnection): void {
    connection.end(MessageType.Disconnect, GOODBYE);
  }

  async #join(request: Parameters<MembershipService['join']>[1], context: Context): Promise<void> {
    if (context.state.participant !== undefined)
      throw new RequestError(ErrorCode.AlreadyJoined, 'already joined on this connection');
    const participant = await this.membership.join(context.connection, request, context.state);
    if (participant === undefined) return;
    context.state.participant = participant;
    context.authenticate();
  }

  /** Before joining a heartbeat is only a keepalive; after, it renews the session. */
  async #heartbeat(sequence: number, context: Context): Promise<void> {
    const { participant } = context.state;
    if (participant === undefined || (await this.membership.renew(participant))) {
      context.connection.echo(MessageType.Heartbeat, sequence);
      return;
    }
    // The host ended it and the news has not reached this connection yet: say so, not "expired".
    const ended = await this.membership.endedByHostNote(participant);
    if (ended !== null) {
      this.directory.remove(participant);
      context.connection.end(MessageType.Disconnect, encodePayload(MessageType.Disconnect, ended));
      return;
    }
    throw new RequestError(ErrorCode.SessionExpired, 'session has ended; join again', true);
  }

  /** NODES: every live media node, what it carries and its rooms (`sapora nodes`). */
  async #nodes(context: Context): Promise<void> {
    const listings = await this.placement.nodes();
    context.connection.send(
      MessageType.Nodes,
      encodePayload(MessageType.Nodes, {
        nodes: listings.map(({ node, rooms, participants }) => ({
          nodeId: node.nodeId,
          kind: node.kind,
          host: node.host,
          port: node.port,
          capacity: node.capacity,
          participants,
          rooms,
          cpuPermille: Math.round(node.load.cpuPercent * 10),
          draining: node.draining,
          startedAtMs: node.startedAtMs,
          renewedAtMs: node.renewedAtMs,
        })),
      }),
    );
  }

  #joined(context: Context, type: number): ConnectedParticipant {
    const { participant } = context.state;
    if (participant === undefined)
      throw new RequestError(ErrorCode.NotJoined, `${messageTypeName(type)} before REGISTER`, true);
    return participant;
  }

  async #scheduler(context: Context, request: () => Promise<void>): Promise<void> {
    const bucket = context.state.meetingRequests;
    if (!bucket.take())
      throw new RequestError(
        ErrorCode.RateLimited,
        `too many scheduler requests; try again in ${bucket.waitMs()} ms`,
      );
    await request();
  }
}
