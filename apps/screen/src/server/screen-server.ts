import { AddressInfo } from 'node:net';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import {
  EventPatterns,
  EventPublisher,
  MembershipEvent,
  PresenterEvent,
  RoomStore,
} from '@sapora/coordination';
import {
  CLIENT_TO_SCREEN_LIMITS,
  decodePayload,
  encodeFrame,
  encodePayload,
  ErrorCode,
  Frame,
  MalformedPayloadError,
  MessageType,
  messageTypeName,
  ScreenOpen,
  ScreenRole,
  ScreenState,
  SESSION_TOKEN_BYTES,
} from '@sapora/protocol';
import { FramedConnection, FramedTcpServer, Logger, LOGGER } from '@sapora/service-kit';
import { ScreenConfig } from '../config/screen-config';
import { NewestFrameSender } from '../share/newest-frame-sender';
import { ScreenPeer, ScreenRoom } from '../share/screen-room';

type Room = ScreenRoom<FramedConnection>;
type EndReason = 'stopped' | 'disconnected' | 'left';

/**
 * The screen-share service's TCP edge. One presenter per room sends JPEG frames; each is
 * encoded once and offered to every viewer of the room, whose own NewestFrameSender keeps a
 * slow viewer from holding anyone else back. Sessions are checked once, when a connection
 * opens; membership events end the share of a presenter who leaves the meeting.
 */
@Injectable()
export class ScreenServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #tcp: FramedTcpServer;
  readonly #rooms = new Map<string, Room>();
  #address: AddressInfo | null = null;

  constructor(
    private readonly config: ScreenConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: RoomStore,
    private readonly events: EventPublisher,
  ) {
    this.#tcp = new FramedTcpServer({
      host: config.SCREEN_HOST,
      port: config.SCREEN_PORT,
      limits: CLIENT_TO_SCREEN_LIMITS,
      incompleteFrameTimeoutMs: config.INCOMPLETE_FRAME_TIMEOUT_MS,
      // Room for the viewer buffer, one frame written on top of it, and state messages.
      maxSendBufferBytes: config.SCREEN_VIEWER_BUFFER_BYTES + 2 * config.SCREEN_MAX_FRAME_BYTES,
      firstFrameTimeoutMs: config.INCOMPLETE_FRAME_TIMEOUT_MS,
    });
    this.#tcp.on('connection', (connection) => this.#serve(connection));
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error('screen service is not listening');
    return this.#address;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.events.connect();
    await this.#clearStalePresenters();
    this.#address = await this.#tcp.listen();
    this.logger.info(
      { host: this.#address.address, port: this.#address.port },
      `screen listening on ${this.#address.address}:${this.#address.port} (TCP)`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#tcp.stopAccepting();
    // Lists must not go on showing presenters whose share ended with this process.
    for (const room of [...this.#rooms.values()])
      if (room.presenter !== null) this.#endShare(room, 'disconnected');
    for (const connection of this.#tcp.connections) connection.end();
    await this.#tcp.drain(2_000);
    await this.events.close();
  }

  /**
   * One screen service serves a deployment, and a starting one holds no share: a presenter flag
   * still set in Redis is left over from a process that died without its clean shutdown.
   */
  async #clearStalePresenters(): Promise<void> {
    for (const meetingId of await this.store.rooms()) {
      for (const member of await this.store.members(meetingId)) {
        if (!member.presenting) continue;
        this.logger.info(
          { meetingId, presenter: member.username },
          'clearing a presenter flag left by an earlier screen service',
        );
        this.#publishPresenter(
          { meetingId, participantId: member.participantId, username: member.username },
          false,
        );
      }
    }
  }

  /** Membership events: a participant who left can neither present nor watch any more. */
  onMembership(event: MembershipEvent): void {
    if (event.kind !== 'left' && event.kind !== 'timed_out') return;
    const room = this.#rooms.get(event.meetingId);
    if (room === undefined) return;
    const presenter = room.presenter;
    if (presenter !== null && presenter.peer.participantId === event.participantId) {
      this.#endShare(room, 'left');
      presenter.connection.end();
    }
    for (const viewer of [...room.viewers.values()])
      if (viewer.peer.participantId === event.participantId) viewer.connection.end();
  }

  #serve(connection: FramedConnection): void {
    let opening = false;
    // Set once SCREEN_OPEN succeeds, as presenter or viewer; cleared by SCREEN_STOP.
    let peer: ScreenPeer | null = null;

    const onFrame = (frame: Frame): void => {
      const type = frame.type as MessageType;
      if (type === MessageType.ScreenOpen) {
        if (opening || peer !== null) {
          connection.sendError(
            ErrorCode.AlreadyJoined,
            'this connection is already open',
            frame.sequence,
            true,
          );
          return;
        }
        opening = true;
        this.#open(connection, decodePayload(MessageType.ScreenOpen, frame.payload), frame.sequence)
          .then((opened) => {
            opening = false;
            peer = opened;
          })
          .catch((error: unknown) => {
            const malformed = error instanceof MalformedPayloadError;
            if (!malformed) this.logger.error({ err: error }, 'screen open failed');
            connection.sendError(
              malformed ? ErrorCode.MalformedFrame : ErrorCode.Internal,
              (error as Error).message,
              frame.sequence,
              true,
            );
          });
        return;
      }
      if (peer === null) {
        connection.sendError(
          ErrorCode.NotJoined,
          `${messageTypeName(type)} before SCREEN_OPEN`,
          frame.sequence,
          true,
        );
        return;
      }
      const room = this.#rooms.get(peer.meetingId);
      const presenting = room?.presenter?.connection === connection;
      if (type === MessageType.ScreenStop) {
        // The presenter ends the share; a viewer stops watching. Either may open again.
        if (room !== undefined && presenting) this.#endShare(room, 'stopped');
        else if (room !== undefined) this.#dropViewer(room, connection);
        peer = null;
        return;
      }
      if (type === MessageType.ScreenFrame) {
        if (room === undefined || !presenting) {
          connection.sendError(
            ErrorCode.NotAllowed,
            'only the presenter sends frames',
            frame.sequence,
            false,
          );
          return;
        }
        if (frame.payload.length > this.config.SCREEN_MAX_FRAME_BYTES) {
          connection.sendError(
            ErrorCode.FrameTooLarge,
            `a ${frame.payload.length}-byte frame is over the limit of ${this.config.SCREEN_MAX_FRAME_BYTES}; it was not shown`,
            frame.sequence,
            false,
          );
          return;
        }
        // Encoded once, with the presenter's sequence as the frame number, for every viewer.
        room.broadcast(encodeFrame(MessageType.ScreenFrame, frame.sequence, frame.payload));
      }
    };

    connection.on('frame', onFrame);
    // Whichever viewer this connection is now (it may stop and open again), its held frame goes.
    connection.on('drain', () => {
      if (peer !== null) this.#rooms.get(peer.meetingId)?.viewers.get(connection)?.sender.drained();
    });
    connection.on('protocolError', (error) => {
      connection.closeForProtocolError(error);
    });
    connection.on('close', () => {
      if (peer === null) return;
      const room = this.#rooms.get(peer.meetingId);
      if (room === undefined) return;
      if (room.presenter?.connection === connection) this.#endShare(room, 'disconnected');
      this.#dropViewer(room, connection);
    });
  }

  /** SCREEN_OPEN: a live session of the room becomes its presenter or one of its viewers. */
  async #open(
    connection: FramedConnection,
    open: ScreenOpen,
    sequence: number,
  ): Promise<ScreenPeer | null> {
    const session =
      open.sessionToken.length === SESSION_TOKEN_BYTES
        ? await this.store.getSession(open.sessionToken.toString('hex'))
        : null;
    if (session === null) {
      connection.sendError(
        ErrorCode.SessionExpired,
        'no live session for that token; join first',
        sequence,
        true,
      );
      return null;
    }
    if (connection.closed) return null;
    const peer: ScreenPeer = {
      meetingId: session.meetingId,
      participantId: session.participantId,
      username: session.username,
    };
    let room = this.#rooms.get(peer.meetingId);
    if (room === undefined) {
      room = new ScreenRoom<FramedConnection>(peer.meetingId);
      this.#rooms.set(peer.meetingId, room);
    }
    if (open.role === ScreenRole.Presenter) {
      const current = room.presenter;
      if (current !== null && current.peer.participantId !== peer.participantId) {
        connection.sendError(
          ErrorCode.ScreenBusy,
          `${current.peer.username} is presenting; wait until they stop`,
          sequence,
          false,
        );
        if (room.idle) this.#rooms.delete(room.meetingId);
        return null;
      }
      // The same person again (a reconnect): the new connection takes over.
      if (current !== null) current.connection.end();
      room.presenter = { peer, connection };
      room.latest = null;
      this.logger.info(
        { meetingId: peer.meetingId, presenter: peer.username },
        'screen share started',
      );
      this.#tellRoom(room, 'started');
      this.#publishPresenter(peer, true);
      return peer;
    }
    if (open.role !== ScreenRole.Viewer) {
      connection.sendError(
        ErrorCode.InvalidRequest,
        'role must be PRESENTER or VIEWER',
        sequence,
        false,
      );
      if (room.idle) this.#rooms.delete(room.meetingId);
      return null;
    }
    const sender = new NewestFrameSender(connection, this.config.SCREEN_VIEWER_BUFFER_BYTES);
    room.viewers.set(connection, { peer, connection, sender });
    connection.send(
      MessageType.ScreenState,
      encodePayload(MessageType.ScreenState, this.#state(room, '')),
    );
    if (room.latest !== null) sender.offer(room.latest);
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
    const viewer = room.viewers.get(connection);
    if (viewer === undefined) return;
    room.viewers.delete(connection);
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
