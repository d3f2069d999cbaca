import { Inject, UseFilters, ValidationError, ValidationPipe } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { GATEWAY_ERROR_CODES, GATEWAY_SOCKET_PATH, GatewayServer } from '@sapora/protocol';
import { Logger, LOGGER } from '@sapora/service-kit';
import { GatewayConfig } from '../config/gateway-config';
import { ServerDirectory } from '../servers/server-directory';
import { FileSpool } from '../tabs/file-spool';
import { Tab } from '../tabs/tab';
import { TabSocket } from '../tabs/tab-socket';
import {
  ChatCommand,
  HandCommand,
  HostActionCommand,
  FileCancelCommand,
  FileFetchCommand,
  FileOfferCommand,
  JoinCommand,
  LeaveCommand,
  MeetingCreateCommand,
  MeetingDeleteCommand,
  MeetingsListCommand,
  MeetingUpdateCommand,
  CameraCommand,
  MicCommand,
  ShareCommand,
  VideoPrefsCommand,
} from './commands';
import { GatewayError } from './gateway-error';
import { BINARY_MESSAGE, INVALID_MESSAGE, InvalidMessage } from './tab-message-parser';
import { TabErrorFilter } from './tab-error.filter';

function describeInvalid(errors: ValidationError[]): GatewayError {
  const first = errors[0];
  const type = (first?.target as { type?: unknown } | undefined)?.type;
  const reasons = errors.flatMap((error) => Object.values(error.constraints ?? {}));
  return new GatewayError(
    GATEWAY_ERROR_CODES.InvalidMessage,
    `${typeof type === 'string' ? `${type}: ` : ''}${reasons.join('; ')}`,
    first?.property,
  );
}

/** Every JSON command is checked against its class before its handler runs. */
const valid = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: true, value: false },
  exceptionFactory: describeInvalid,
});

/** How a gateway shutdown is told to tabs (1001: going away). */
const GOING_AWAY = 1001;

interface Live {
  tab: Tab;
  lastSeenAt: number;
}

/**
 * The tabs' WebSocket edge (path /ws on the gateway's port): one Tab per socket, each command
 * validated and handed to it. A socket that answers no ping for GATEWAY_TAB_TIMEOUT_MS is
 * ended, and its participant leaves at once.
 */
@WebSocketGateway({ path: GATEWAY_SOCKET_PATH })
@UseFilters(TabErrorFilter)
export class TabGateway
  implements
    OnGatewayConnection<WebSocket>,
    OnGatewayDisconnect<WebSocket>,
    OnApplicationBootstrap,
    BeforeApplicationShutdown
{
  readonly #tabs = new Map<WebSocket, Live>();
  #serial = 0;
  #sweep: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: GatewayConfig,
    private readonly servers: ServerDirectory,
    private readonly spool: FileSpool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.servers.on('changed', (servers: GatewayServer[]) => {
      for (const { tab } of this.#tabs.values()) tab.socket.send({ type: 'servers', servers });
    });
    this.#sweep = setInterval(() => this.#checkLiveness(), this.config.GATEWAY_TAB_TIMEOUT_MS / 3);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.#sweep !== null) clearInterval(this.#sweep);
    const tabs = [...this.#tabs.entries()];
    this.#tabs.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(
        tabs.map(async ([ws, { tab }]) => {
          await tab.close().catch(() => undefined);
          ws.close(GOING_AWAY, 'the gateway is shutting down');
        }),
      ),
      // Every tab's participant leaves its meeting, within the shutdown grace.
      new Promise((resolve) => (timer = setTimeout(resolve, this.config.SHUTDOWN_GRACE_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Open tabs, for the logs and tests. */
  get tabCount(): number {
    return this.#tabs.size;
  }

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    const serial = ++this.#serial;
    const logger = this.logger.child({ tab: serial });
    const tab = new Tab(
      new TabSocket(ws),
      { config: this.config, servers: this.servers, spool: this.spool, logger },
      logger,
      (paused) => (paused ? ws.pause() : ws.resume()),
    );
    const live: Live = { tab, lastSeenAt: Date.now() };
    this.#tabs.set(ws, live);
    const seen = (): void => {
      live.lastSeenAt = Date.now();
    };
    ws.on('pong', seen);
    ws.on('message', seen);
    logger.debug({ from: request.socket.remoteAddress }, 'tab connected');
    tab.welcome();
  }

  handleDisconnect(ws: WebSocket): void {
    const live = this.#tabs.get(ws);
    if (live === undefined) return;
    this.#tabs.delete(ws);
    live.tab
      .close()
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'a closed tab did not leave cleanly'),
      );
  }

  @SubscribeMessage('join')
  join(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: JoinCommand) {
    return this.#tab(ws).join(command);
  }

  @SubscribeMessage('leave')
  leave(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: LeaveCommand) {
    return this.#tab(ws).leave(command);
  }

  @SubscribeMessage('chat')
  chat(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: ChatCommand) {
    return this.#tab(ws).chat(command);
  }

  @SubscribeMessage('hand')
  hand(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: HandCommand) {
    this.#tab(ws).raiseHand(command);
  }

  @SubscribeMessage('host-action')
  hostAction(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: HostActionCommand) {
    return this.#tab(ws).hostAction(command);
  }

  @SubscribeMessage('file-offer')
  offerFile(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: FileOfferCommand) {
    return this.#tab(ws).offerFile(command);
  }

  @SubscribeMessage('file-fetch')
  fetchFile(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: FileFetchCommand) {
    return this.#tab(ws).fetchFile(command);
  }

  @SubscribeMessage('file-cancel')
  cancelFile(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: FileCancelCommand) {
    this.#tab(ws).cancelFile(command);
  }

  @SubscribeMessage('meetings-list')
  listMeetings(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: MeetingsListCommand) {
    return this.#tab(ws).listMeetings(command);
  }

  @SubscribeMessage('meeting-create')
  createMeeting(
    @ConnectedSocket() ws: WebSocket,
    @MessageBody(valid) command: MeetingCreateCommand,
  ) {
    return this.#tab(ws).createMeeting(command);
  }

  @SubscribeMessage('meeting-update')
  updateMeeting(
    @ConnectedSocket() ws: WebSocket,
    @MessageBody(valid) command: MeetingUpdateCommand,
  ) {
    return this.#tab(ws).updateMeeting(command);
  }

  @SubscribeMessage('meeting-delete')
  deleteMeeting(
    @ConnectedSocket() ws: WebSocket,
    @MessageBody(valid) command: MeetingDeleteCommand,
  ) {
    return this.#tab(ws).deleteMeeting(command);
  }

  @SubscribeMessage('mic')
  setMic(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: MicCommand) {
    this.#tab(ws).setMic(command);
  }

  @SubscribeMessage('camera')
  setCamera(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: CameraCommand) {
    this.#tab(ws).setCamera(command);
  }

  @SubscribeMessage('share')
  setSharing(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: ShareCommand) {
    return this.#tab(ws).setSharing(command);
  }

  @SubscribeMessage('video-prefs')
  setVideoPrefs(@ConnectedSocket() ws: WebSocket, @MessageBody(valid) command: VideoPrefsCommand) {
    this.#tab(ws).setVideoPrefs(command);
  }

  @SubscribeMessage(BINARY_MESSAGE)
  binary(@ConnectedSocket() ws: WebSocket, @MessageBody() data: Buffer): void {
    this.#tab(ws).receiveBinary(data);
  }

  @SubscribeMessage(INVALID_MESSAGE)
  invalid(@MessageBody() data: InvalidMessage): void {
    throw new GatewayError(data.code, data.message);
  }

  #tab(ws: WebSocket): Tab {
    const live = this.#tabs.get(ws);
    if (live === undefined) throw new GatewayError('NotConnected', 'this tab is closing');
    return live.tab;
  }

  /**
   * Pings every third of the timeout; a tab silent for two thirds of it is ended at the next
   * tick, so one that vanishes right after answering is gone within the timeout (a live tab's
   * last answer is never older than one ping period).
   */
  #checkLiveness(): void {
    const deadline = Date.now() - (this.config.GATEWAY_TAB_TIMEOUT_MS * 2) / 3;
    for (const [ws, live] of this.#tabs) {
      if (live.lastSeenAt < deadline) {
        live.tab.socket.close(GOING_AWAY, 'no answer to pings');
        ws.terminate();
      } else if (ws.readyState === WebSocket.OPEN) {
        ws.ping();
      }
    }
  }
}
