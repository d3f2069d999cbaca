import { Inject, Injectable } from '@nestjs/common';
import {
  EventPatterns,
  EventPublisher,
  MembershipEvent,
  PresenterEvent,
  RedisLink,
  RoomStore,
} from '@sapora/coordination';
import {
  CLIENT_TO_SCREEN_LIMITS,
  encodeFrame,
  encodePayload,
  ErrorCode,
  MessageType,
  messageTypeName,
  ScreenOpen,
  ScreenRole,
  ScreenState,
  SESSION_TOKEN_BYTES,
} from '@sapora/protocol';
import {
  ConnectionContext,
  ConnectionDeadlines,
  FramedConnection,
  FramedProtocol,
  FrameHandlers,
  Logger,
  LOGGER,
  MembershipListener,
  NodeLoadSource,
  RequestError,
} from '@sapora/service-kit';
import { ScreenConfig } from '../config/screen-config';
import { NewestFrameSender } from '../share/newest-frame-sender';
import { ScreenPeer, ScreenRoom } from '../share/screen-room';

type Room = ScreenRoom<FramedConnection>;
type EndReason = 'stopped' | 'disconnected' | 'left' | 'stopped_by_host';

/** What the screen service keeps per connection: who it is once SCREEN_OPEN succeeded. */
export interface ScreenConnectionState {
  /** Set by SCREEN_OPEN, as presenter or viewer; cleared by SCREEN_STOP. */
  peer: ScreenPeer | null;
}

type Context = ConnectionContext<ScreenConnectionState>;

/**
 * The screen-share service's frames. One presenter per room sends JPEG frames; each is encoded
 * once and offered to every viewer of the room, whose own NewestFrameSender keeps a slow viewer
 * from holding anyone else back. Sessions are checked when a connection opens; membership
 * events (and a Redis that lost them) end the share of a presenter who has left.
 */
@Injectable()
export class ScreenProtocol
  implements FramedProtocol<ScreenConnectionState>, MembershipListener, NodeLoadSource
{
  readonly handlers = new FrameHandlers<ScreenConnectionState>(CLIENT_TO_SCREEN_LIMITS);
  readonly deadlines: ConnectionDeadlines;
  readonly #rooms = new Map<string, Room>();

  constructor(
    private readonly config: ScreenConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: RoomStore,
    private readonly events: EventPublisher,
    link: RedisLink,
  ) {
    // A viewer only listens: once open, its session's events are what end it.
    this.deadlines = { authenticateWithinMs: config.AUTH_TIMEOUT_MS };
    this.handlers
      .on(MessageType.ScreenOpen, (open, frame, context) => this.#open(context, open, frame.type))
      .on(MessageType.ScreenStop, (_none, frame, context) => this.#stop(context, frame.type))
      .onRaw(MessageType.ScreenFrame, (jpeg, frame, context) =>
        this.#frame(context, jpeg, frame.sequence),
      );
    link.onReconnect(
      () => this.#dropEndedSessions(),
      (error) => logger.error({ err: error }, 'could not check shares after Redis came back'),
    );
  }

  nodeLoad(): { rooms: number; participants: number } {
    let participants = 0;
    for (const room of this.#rooms.values())
      participants += room.viewers.size + (room.presenter === null ? 0 : 1);
    return { rooms: this.#rooms.size, participants };
  }

  open(context: Context): ScreenConnectionState {
    const state: ScreenConnectionState = { peer: null };
    // Whichever viewer this connection is now (it may stop and open again), its held frame goes.
    context.connection.on('drain', () => {
      if (state.peer !== null)
        this.#rooms.get(state.peer.meetingId)?.viewers.get(context.connection)?.sender.drained();
    });
    return state;
  }

  closed(context: Context): void {
    const { peer } = context.state;
    if (peer === null) return;
    const room = this.#rooms.get(peer.meetingId);
    if (room === undefined) return;
    if (room.presenter?.connection === context.connection) this.#endShare(room, 'disconnected');
    this.#dropViewer(room, context.connection);
  }

  /** At shutdown: lists must not go on showing presenters whose share ended with this process. */
  farewell(connection: FramedConnection): void {
    for (const room of [...this.#rooms.values()])
      if (room.presenter?.connection === connection) this.#endShare(room, 'disconnected');
    connection.end();
  }

  /**
   * A participant who left can neither present nor watch any more; one whose share the host
   * stopped is told so (reason "stopped_by_host") and their presenting connection closed.
   */
  onMembership(event: MembershipEvent): void {
    if (event.kind === 'stop_share') {
      const room = this.#rooms.get(event.meetingId);
      const presenter = room?.presenter;
      if (room === undefined || presenter?.peer.participantId !== event.participantId) return;
      this.#endShare(room, 'stopped_by_host');
      presenter.connection.end();
      return;
    }
    if (event.kind !== 'left' && event.kind !== 'timed_out') return;
    this.#dropParticipant(event.meetingId, event.participantId);
  }

  #dropParticipant(meetingId: string, participantId: string): void {
    const room = this.#rooms.get(meetingId);
    if (room === undefined) return;
    const presenter = room.presenter;
    if (presenter !== null && presenter.peer.participantId === participantId) {
      this.#endShare(room, 'left');
      presenter.connection.end();
    }
    for (const viewer of [...room.viewers.values()])
      if (viewer.peer.participantId === participantId) viewer.connection.end();
  }

  /**
   * After a Redis outage the events of those who left meanwhile are lost (and a Redis that came
   * back empty has no sessions at all): every open share and viewer is checked again.
   */
  async #dropEndedSessions(): Promise<void> {
    for (const room of [...this.#rooms.values()]) {
      const members = new Set(
        (await this.store.members(room.meetingId)).map((member) => member.participantId),
      );
      const peers = [room.presenter?.peer, ...[...room.viewers.values()].map((v) => v.peer)];
      for (const peer of peers)
        if (peer !== undefined && !members.has(peer.participantId))
          this.#dropParticipant(room.meetingId, peer.participantId);
    }
  }

  /** SCREEN_OPEN: a live session of the room becomes its presenter or one of its viewers. */
  async #open(context: Context, open: ScreenOpen, type: number): Promise<void> {
    const { connection } = context;
    if (context.state.peer !== null)
      throw new RequestError(
        ErrorCode.AlreadyJoined,
        `${messageTypeName(type)}: this connection is already open`,
        true,
      );
    if (open.role !== ScreenRole.Presenter && open.role !== ScreenRole.Viewer)
      throw new RequestError(ErrorCode.InvalidRequest, 'role must be PRESENTER or VIEWER');
    const session =
      open.sessionToken.length === SESSION_TOKEN_BYTES
        ? await this.store.getSession(open.sessionToken.toString('hex'))
        : null;
    if (session === null)
      throw new RequestError(
        ErrorCode.SessionExpired,
        'no live session for that token; join first',
        true,
      );
    if (connection.closed) return;
    const peer: ScreenPeer = {
      meetingId: session.meetingId,
      participantId: session.participantId,
      username: session.username,
    };
    const room =
      this.#rooms.get(peer.meetingId) ?? new ScreenRoom<FramedConnection>(peer.meetingId);
    if (open.role === ScreenRole.Presenter) {
      const current = room.presenter;
      if (current !== null && current.peer.participantId !== peer.participantId)
        throw new RequestError(
          ErrorCode.ScreenBusy,
          `${current.peer.username} is presenting; wait until they stop`,
        );
      this.#rooms.set(peer.meetingId, room);
      // The same person again (a reconnect): the new connection takes over.
      if (current !== null) current.connection.end();
      room.presenter = { peer, connection };
      room.latest = null;
      context.state.peer = peer;
      context.authenticate();
      this.logger.info(
        { meetingId: peer.meetingId, presenter: peer.username },
        'screen share started',
      );
      this.#tellRoom(room, 'started');
      this.#publishPresenter(peer, true);
      return;
    }
    this.#rooms.set(peer.meetingId, room);
    const sender = new NewestFrameSender(connection, this.config.SCREEN_VIEWER_BUFFER_BYTES);
    room.viewers.set(connection, { peer, connection, sender });
    context.state.peer = peer;
    context.authenticate();
    connection.send(
      MessageType.ScreenState,
      encodePayload(MessageType.ScreenState, this.#state(room, '')),
    );
    if (room.latest !== null) sender.offer(room.latest);
  }

  /** The presenter ends the share; a viewer stops watching. Either may open again. */
  #stop(context: Context, type: number): void {
    const peer = this.#opened(context, type);
    const room = this.#rooms.get(peer.meetingId);
    if (room !== undefined && room.presenter?.connection === context.connection)
      this.#endShare(room, 'stopped');
    else if (room !== undefined) this.#dropViewer(room, context.connection);
    context.state.peer = null;
    context.deauthenticate();
  }

  #frame(context: Context, jpeg: Buffer, sequence: number): void {
    const peer = this.#opened(context, MessageType.ScreenFrame);
    const room = this.#rooms.get(peer.meetingId);
    if (room === undefined || room.presenter?.connection !== context.connection)
      throw new RequestError(ErrorCode.NotAllowed, 'only the presenter sends frames');
    if (jpeg.length > this.config.SCREEN_MAX_FRAME_BYTES)
      throw new RequestError(
        ErrorCode.FrameTooLarge,
        `a ${jpeg.length}-byte frame is over the limit of ${this.config.SCREEN_MAX_FRAME_BYTES}; it was not shown`,
      );
    // Encoded once, with the presenter's sequence as the frame number, for every viewer.
    room.broadcast(encodeFrame(MessageType.ScreenFrame, sequence, jpeg));
  }

  #opened(context: Context, type: number): ScreenPeer {
    const { peer } = context.state;
    if (peer === null)
      throw new RequestError(
        ErrorCode.NotJoined,
        `${messageTypeName(type)} before SCREEN_OPEN`,
        true,
      );
    return peer;
  }

  #state(room: Room, reason: string): ScreenState {
    const presenter = room.presenter?.peer;
    return {
      meetingId: room.meetingId,
      presenting: presenter !== undefined,
      presenterId: presenter?.participantId ?? '',
      presenter: presenter?.username ?? '',
      reason,
    };
  }

  /** Tells the presenter and every viewer who presents now, and why it changed. */
  #tellRoom(room: Room, reason: string, alsoTell?: FramedConnection): void {
    const payload = encodePayload(MessageType.ScreenState, this.#state(room, reason));
    room.presenter?.connection.send(MessageType.ScreenState, payload);
    alsoTell?.send(MessageType.ScreenState, payload);
    for (const viewer of room.viewers.values())
      viewer.connection.send(MessageType.ScreenState, payload);
  }

  #endShare(room: Room, reason: EndReason): void {
    const presenter = room.presenter;
    if (presenter === null) return;
    room.presenter = null;
    room.latest = null;
    this.logger.info(
      { meetingId: room.meetingId, presenter: presenter.peer.username, reason },
      'screen share ended',
    );
    this.#tellRoom(room, reason, presenter.connection);
    this.#publishPresenter(presenter.peer, false);
    if (room.idle) this.#rooms.delete(room.meetingId);
  }

  #dropViewer(room: Room, connection: FramedConnection): void {
    if (!room.viewers.delete(connection)) return;
    if (room.idle) this.#rooms.delete(room.meetingId);
  }

  #publishPresenter(peer: ScreenPeer, presenting: boolean): void {
    const event: PresenterEvent = {
      meetingId: peer.meetingId,
      participantId: peer.participantId,
      presenting,
    };
    this.events
      .emit(EventPatterns.presenter, event)
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'could not publish presenter change'),
      );
  }
}
