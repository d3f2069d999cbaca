import { once } from 'node:events';
import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { join } from 'node:path';
import {
  DeliveryStatus,
  FileTransferClient,
  MeetingsClient,
  Participant,
  ScheduledMeeting,
  ScreenShareClient,
  Session,
} from '@sapora/client';
import {
  BinaryKind,
  BinaryMessageError,
  ChatMessage,
  GATEWAY_CAMERA_FRAME_MAX_BYTES,
  GATEWAY_SHARE_FRAME_MAX_BYTES,
  TAB_BINARY_KINDS,
  decodeBinaryMessage,
  DeliveryState,
  FileNotice,
  GATEWAY_ERROR_CODES,
  GATEWAY_FILE_CHUNK_BYTES,
  GATEWAY_FILE_CHUNK_MAX_BYTES,
  GATEWAY_PROTOCOL_VERSION,
  GATEWAY_JSON_MAX_BYTES,
  ScreenState,
  WebChatMessage,
  WebFileNotice,
  WebMeeting,
  WebParticipant,
} from '@sapora/protocol';
import { Logger } from '@sapora/service-kit';
import { GatewayConfig } from '../config/gateway-config';
import { ServerDirectory, ServerEndpoints } from '../servers/server-directory';
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
} from '../socket/commands';
import { GatewayError, toGatewayError } from '../socket/gateway-error';
import { FileSpool } from './file-spool';
import { TabMedia } from './tab-media';
import { TabSocket } from './tab-socket';
import { hostAction, listenHost, roomEvent } from './tab-host';

export interface TabServices {
  config: GatewayConfig;
  servers: ServerDirectory;
  spool: FileSpool;
  logger: Logger;
}

/** A joined tab's clients: its session and what hangs off it. */
interface Membership {
  session: Session;
  endpoints: ServerEndpoints;
  files: FileTransferClient;
  media: TabMedia;
  screen: ScreenShareClient | null;
  screenRetry: NodeJS.Timeout | null;
}

interface Upload {
  kind: 'upload';
  transfer: number;
  to: string;
  size: number;
  received: number;
  dir: string;
  path: string;
  stream: WriteStream;
  abort: AbortController;
  lastProgressAt: number;
}

interface Download {
  kind: 'download';
  transfer: number;
  abort: AbortController;
  lastProgressAt: number;
}

const CLIENT_NAME = 'sapora-web/0.1.0 (gateway)';
/** Progress events per transfer at most this often (and once at each end). */
const PROGRESS_EVERY_MS = 100;
/** A screen service that dropped the viewer is asked again after this pause. */
const SCREEN_RETRY_MS = 2_000;

const DELIVERY_STATES: Record<DeliveryStatus, DeliveryState> = {
  [DeliveryStatus.Unspecified]: 'delivered',
  [DeliveryStatus.Delivered]: 'delivered',
  [DeliveryStatus.NoSuchUser]: 'no-such-user',
  [DeliveryStatus.NobodyElse]: 'nobody-else',
};

const webParticipant = (p: Participant): WebParticipant => ({
  participantId: p.participantId,
  name: p.username,
  muted: p.muted,
  presenting: p.presenting,
  joinedAtMs: p.joinedAtMs,
});
const webMessage = (m: ChatMessage): WebChatMessage => ({
  messageId: m.messageId,
  fromId: m.fromId,
  from: m.from,
  to: m.to,
  text: m.text,
  sentAtMs: m.sentAtMs,
  private: m.private,
  ...(m.system ? { system: true } : {}),
});
const webNotice = (n: FileNotice): WebFileNotice => ({
  fileId: n.fileId,
  name: n.name,
  size: n.size,
  md5: n.md5,
  sender: n.sender,
  sentAtMs: n.sentAtMs,
  private: n.private,
});
const webMeeting = (m: ScheduledMeeting): WebMeeting => ({
  meetingId: m.meetingId,
  title: m.title,
  startsAt: m.startsAt,
  startMs: m.startMs,
  durationMinutes: m.durationMinutes,
  createdBy: m.createdBy,
});

/**
 * The spool file's name, which the file service takes as the file's name: the last part of what
 * the tab said (no folders), without control characters or leading dots.
 */
function spoolName(name: string): string {
  const base = (name.split(/[/\\]/).pop() ?? '')
    .replace(/\p{Cc}/gu, '')
    .replace(/^\.+/, '')
    .trim();
  return base === '' ? 'file' : base;
}

/** Which meeting-form field a scheduler refusal is about, from the server's words. */
function meetingField(error: GatewayError): string | undefined {
  if (error.code === 'MeetingExists') return 'meetingId';
  if (error.code !== 'InvalidRequest') return undefined;
  const fields: [RegExp, string][] = [
    [/^starts_at/, 'startsAt'],
    [/^duration/, 'durationMinutes'],
    [/^title/, 'title'],
    [/^meeting id/, 'meetingId'],
    [/^username/, 'name'],
  ];
  return fields.find(([pattern]) => pattern.test(error.message))?.[1];
}

/**
 * One browser tab's client. For a tab that joins, the gateway is that person's Sapora client:
 * it holds the session (whose token never leaves the gateway) and the file, screen and meetings
 * clients, turns the tab's commands into native requests and the services' news into events.
 * When the tab goes, close() leaves the meeting at once.
 */
export class Tab {
  readonly socket: TabSocket;
  readonly #services: TabServices;
  readonly #logger: Logger;
  readonly #transfers = new Map<number, Upload | Download>();
  #membership: Membership | null = null;
  #joining = false;
  #meetings: { address: string; client: Promise<MeetingsClient> } | null = null;
  #nextTransfer = 1;
  #closed = false;
  #readingHolds = 0;
  /** Pauses reading from the tab while an upload's disk writes catch up. */
  readonly #pauseReading: (paused: boolean) => void;

  constructor(
    socket: TabSocket,
    services: TabServices,
    logger: Logger,
    pauseReading: (paused: boolean) => void,
  ) {
    this.socket = socket;
    this.#services = services;
    this.#logger = logger;
    this.#pauseReading = pauseReading;
  }

  get joined(): boolean {
    return this.#membership !== null;
  }

  welcome(): void {
    const { servers, config } = this.#services;
    this.socket.send({
      type: 'welcome',
      protocol: GATEWAY_PROTOCOL_VERSION,
      server: servers.own,
      servers: servers.servers,
      anyServer: servers.anyServer,
      limits: {
        jsonBytes: GATEWAY_JSON_MAX_BYTES,
        chunkBytes: GATEWAY_FILE_CHUNK_MAX_BYTES,
        fileBytes: config.GATEWAY_FILE_MAX_BYTES,
        cameraBytes: GATEWAY_CAMERA_FRAME_MAX_BYTES,
        shareBytes: GATEWAY_SHARE_FRAME_MAX_BYTES,
      },
      media: true,
    });
  }

  async join(command: JoinCommand): Promise<void> {
    if (this.#membership !== null || this.#joining)
      throw new GatewayError('AlreadyJoined', 'this tab is already in a meeting: leave it first');
    const endpoints = this.#services.servers.resolve(command.server);
    const session = new Session({
      host: endpoints.control.host,
      port: endpoints.control.port,
      username: command.name,
      meetingId: command.meeting ?? '',
      passcode: command.passcode ?? '',
      clientName: CLIENT_NAME,
      trust: endpoints.trust,
    });
    this.#joining = true;
    try {
      await session.connect();
    } catch (error) {
      throw toGatewayError(error, 'join');
    } finally {
      this.#joining = false;
    }
    const media = new TabMedia(session, endpoints.screen, this.socket, this.#logger);
    try {
      await media.start();
    } catch (error) {
      await Promise.all([media.close(), session.leave()]);
      throw toGatewayError(error, 'join');
    }
    if (this.#closed) {
      await Promise.all([media.close(), session.leave()]);
      return;
    }
    const membership: Membership = {
      session,
      endpoints,
      files: new FileTransferClient({
        session,
        host: endpoints.files.host,
        port: endpoints.files.port,
      }),
      media,
      screen: null,
      screenRetry: null,
    };
    media.onShareEnded = () => this.socket.send({ type: 'media', ...media.state });
    this.#membership = membership;
    this.#listen(membership);
    this.#logger.info(
      { server: endpoints.address, meeting: session.meetingId, name: session.username },
      'tab joined',
    );
    this.socket.send({
      type: 'joined',
      id: command.id,
      server: endpoints.address,
      meetingId: session.meetingId ?? '',
      participantId: session.participantId ?? '',
      name: session.username,
      participants: session.participants.map(webParticipant),
      history: session.history.map(webMessage),
      files: session.files.map(webNotice),
      audio: media.audioFormat,
    });
    media.tellSpeaking();
    this.socket.send(roomEvent(session));
    this.#viewScreen(membership);
  }

  async leave(command: LeaveCommand): Promise<void> {
    const membership = this.#requireMembership();
    await this.#endMembership(membership, 'left');
    this.socket.send({ type: 'left', id: command.id, reason: 'left', byServer: false });
  }

  raiseHand(command: HandCommand): void {
    this.#requireMembership().session.raiseHand(command.raised);
    this.socket.send({ type: 'host-action-done', id: command.id, action: 'hand' });
  }

  async hostAction(command: HostActionCommand): Promise<void> {
    this.socket.send(await hostAction(this.#requireMembership().session, command));
  }

  async chat(command: ChatCommand): Promise<void> {
    const { session } = this.#requireMembership();
    try {
      const delivery = await session.sendChat(command.to, command.text);
      this.socket.send({
        type: 'delivery',
        id: command.id,
        state: DELIVERY_STATES[delivery.status],
        messageId: delivery.messageId,
        recipients: delivery.recipients,
        to: delivery.to,
      });
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  async offerFile(command: FileOfferCommand): Promise<void> {
    const membership = this.#requireMembership();
    const limit = this.#services.config.GATEWAY_FILE_MAX_BYTES;
    if (command.size > limit)
      throw new GatewayError(
        'FileTooLarge',
        `${command.name} is ${command.size} bytes, over the limit of ${limit}`,
      );
    const dir = await this.#services.spool.reserve();
    const path = join(dir, spoolName(command.name));
    const upload: Upload = {
      kind: 'upload',
      transfer: this.#nextTransfer++,
      to: command.to,
      size: command.size,
      received: 0,
      dir,
      path,
      stream: createWriteStream(path, { mode: 0o600 }),
      abort: new AbortController(),
      lastProgressAt: 0,
    };
    upload.stream.on('error', (error) =>
      this.#failTransfer(upload, `the gateway could not keep the file: ${error.message}`),
    );
    this.#transfers.set(upload.transfer, upload);
    this.socket.send({ type: 'transfer', id: command.id, transfer: upload.transfer });
    if (upload.size === 0) void this.#sendUpload(membership, upload);
  }

  /** A binary message: the next chunk of an upload, or a microphone, camera or screen frame. */
  receiveBinary(data: Buffer): void {
    let message;
    try {
      message = decodeBinaryMessage(data);
    } catch (error) {
      if (error instanceof BinaryMessageError)
        throw new GatewayError(GATEWAY_ERROR_CODES.InvalidMessage, error.message);
      throw error;
    }
    if (!TAB_BINARY_KINDS.has(message.kind))
      throw new GatewayError(
        GATEWAY_ERROR_CODES.InvalidMessage,
        `a tab sends FILE_CHUNK (0x01), MIC_FRAME (0x04), CAMERA_FRAME (0x06) and SHARE_FRAME (0x08), not 0x${message.kind.toString(16).padStart(2, '0')}`,
      );
    if (message.kind === BinaryKind.MicFrame)
      return this.#requireMembership().media.receiveMic(message.payload);
    if (message.kind === BinaryKind.CameraFrame)
      return this.#requireMembership().media.receiveCamera(message.payload);
    if (message.kind === BinaryKind.ShareFrame)
      return this.#requireMembership().media.receiveShare(message.payload);
    this.#receiveChunk(message.number, message.payload);
  }

  setMic(command: MicCommand): void {
    const { media } = this.#requireMembership();
    media.setMic(command.on);
    this.socket.send({ type: 'media', id: command.id, ...media.state });
  }

  setCamera(command: CameraCommand): void {
    const { media } = this.#requireMembership();
    media.setCamera(command.on);
    this.socket.send({ type: 'media', id: command.id, ...media.state });
  }

  async setSharing(command: ShareCommand): Promise<void> {
    const { media } = this.#requireMembership();
    await media.setSharing(command.on);
    this.socket.send({ type: 'media', id: command.id, ...media.state });
  }

  setVideoPrefs(command: VideoPrefsCommand): void {
    const { media } = this.#requireMembership();
    media.setPaused(command.paused);
    this.socket.send({ type: 'media', id: command.id, ...media.state });
  }

  #receiveChunk(transfer: number, payload: Uint8Array): void {
    if (payload.length > GATEWAY_FILE_CHUNK_MAX_BYTES)
      throw new GatewayError(
        GATEWAY_ERROR_CODES.MessageTooLarge,
        `a file chunk may be ${GATEWAY_FILE_CHUNK_MAX_BYTES} bytes; this one is ${payload.length}`,
      );
    const upload = this.#transfers.get(transfer);
    if (upload?.kind !== 'upload' || upload.received === upload.size)
      throw new GatewayError(
        GATEWAY_ERROR_CODES.UnknownTransfer,
        `no upload ${transfer} is waiting for bytes`,
      );
    if (upload.received + payload.length > upload.size) {
      this.#failTransfer(upload, `more bytes than the ${upload.size} offered`);
      throw new GatewayError(
        GATEWAY_ERROR_CODES.InvalidMessage,
        `upload ${upload.transfer}: more bytes than the ${upload.size} offered; the upload is cancelled`,
      );
    }
    upload.received += payload.length;
    if (!upload.stream.write(payload)) this.#holdReadingUntilDrained(upload.stream);
    this.#progress(upload, 'gateway', upload.received, upload.size);
    const membership = this.#membership;
    if (upload.received === upload.size && membership !== null)
      void this.#sendUpload(membership, upload);
  }

  async fetchFile(command: FileFetchCommand): Promise<void> {
    const { files } = this.#requireMembership();
    const download: Download = {
      kind: 'download',
      transfer: this.#nextTransfer++,
      abort: new AbortController(),
      lastProgressAt: 0,
    };
    this.#transfers.set(download.transfer, download);
    this.socket.send({ type: 'transfer', id: command.id, transfer: download.transfer });
    const dir = await this.#services.spool.reserve();
    try {
      const path = join(dir, 'download');
      const meta = await files.download(command.fileId, path, {
        signal: download.abort.signal,
        onProgress: ({ bytes, total }) => this.#progress(download, 'server', bytes, total),
      });
      this.socket.send({
        type: 'file-ready',
        transfer: download.transfer,
        fileId: meta.fileId,
        name: meta.name,
        size: meta.size,
        md5: meta.md5,
      });
      for await (const chunk of createReadStream(path, {
        highWaterMark: GATEWAY_FILE_CHUNK_BYTES,
        signal: download.abort.signal,
      }) as AsyncIterable<Buffer>)
        await this.socket.sendData(BinaryKind.FileData, download.transfer, chunk);
      this.socket.send({ type: 'file-end', transfer: download.transfer });
    } catch (error) {
      if (!download.abort.signal.aborted)
        this.socket.send({
          type: 'file-failed',
          transfer: download.transfer,
          message: toGatewayError(error).message,
        });
    } finally {
      this.#transfers.delete(download.transfer);
      await this.#services.spool.release(dir);
    }
  }

  cancelFile(command: FileCancelCommand): void {
    const transfer = this.#transfers.get(command.transfer);
    if (transfer === undefined)
      throw new GatewayError(
        GATEWAY_ERROR_CODES.UnknownTransfer,
        `no transfer ${command.transfer} is going on`,
      );
    this.#failTransfer(transfer, 'cancelled');
  }

  async listMeetings(command: MeetingsListCommand): Promise<void> {
    const client = await this.#meetingsClient(command.server);
    try {
      const meetings = await client.list();
      this.socket.send({ type: 'meetings', id: command.id, meetings: meetings.map(webMeeting) });
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  async createMeeting(command: MeetingCreateCommand): Promise<void> {
    const client = await this.#meetingsClient(command.server);
    try {
      const saved = await client.create({
        meetingId: command.meetingId,
        title: command.title,
        startsAt: command.startsAt,
        durationMinutes: command.durationMinutes,
        username: this.#membership?.session.username ?? command.name ?? '',
      });
      this.socket.send({
        type: 'meeting-saved',
        id: command.id,
        meeting: webMeeting(saved.meeting),
        ownerToken: saved.ownerToken.toString('hex'),
      });
    } catch (error) {
      throw this.#meetingError(error);
    }
  }

  async updateMeeting(command: MeetingUpdateCommand): Promise<void> {
    const client = await this.#meetingsClient(command.server);
    try {
      const meeting = await client.update(
        command.meetingId,
        Buffer.from(command.ownerToken, 'hex'),
        {
          ...(command.title === undefined ? {} : { title: command.title }),
          ...(command.startsAt === undefined ? {} : { startsAt: command.startsAt }),
          ...(command.durationMinutes === undefined
            ? {}
            : { durationMinutes: command.durationMinutes }),
        },
      );
      this.socket.send({
        type: 'meeting-saved',
        id: command.id,
        meeting: webMeeting(meeting),
        ownerToken: '',
      });
    } catch (error) {
      throw this.#meetingError(error);
    }
  }

  async deleteMeeting(command: MeetingDeleteCommand): Promise<void> {
    const client = await this.#meetingsClient(command.server);
    try {
      await client.delete(command.meetingId, Buffer.from(command.ownerToken, 'hex'));
      this.socket.send({ type: 'meeting-deleted', id: command.id, meetingId: command.meetingId });
    } catch (error) {
      throw this.#meetingError(error);
    }
  }

  /** The tab is gone: leave the meeting now, stop every transfer, drop every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const meetings = this.#meetings;
    this.#meetings = null;
    meetings?.client.then(
      (client) => client.close(),
      () => undefined,
    );
    const membership = this.#membership;
    if (membership !== null) await this.#endMembership(membership, 'tab closed');
  }

  #requireMembership(): Membership {
    if (this.#membership === null) throw new GatewayError('NotJoined', 'join a meeting first');
    return this.#membership;
  }

  #listen(membership: Membership): void {
    const { session } = membership;
    session.on('participants', (participants) =>
      this.socket.send({ type: 'participants', participants: participants.map(webParticipant) }),
    );
    session.on('chat', (message) =>
      this.socket.send({ type: 'chat', message: webMessage(message) }),
    );
    listenHost(session, (event) => this.socket.send(event));
    session.on('file', (notice) => this.socket.send({ type: 'file', file: webNotice(notice) }));
    session.on('reconnecting', () =>
      this.socket.send({ type: 'connection', state: 'reconnecting' }),
    );
    session.on('resumed', () => this.socket.send({ type: 'connection', state: 'resumed' }));
    session.on('rejoined', () => this.socket.send({ type: 'connection', state: 'rejoined' }));
    session.on('error', (error) => {
      const refused = toGatewayError(error);
      this.socket.send({ type: 'error', code: refused.code, message: refused.message });
    });
    session.on('closed', ({ reason, byServer }) => {
      if (!byServer || this.#membership !== membership) return;
      this.#endMembership(membership, reason).catch((error: unknown) =>
        this.#logger.warn({ err: error }, 'leaving after the server ended the session failed'),
      );
      this.socket.send({ type: 'left', reason, byServer: true });
    });
  }

  /** Views the room's screen share for as long as the tab is in the meeting. */
  #viewScreen(membership: Membership): void {
    if (this.#membership !== membership) return;
    const { session, endpoints } = membership;
    const screen = new ScreenShareClient({
      session,
      host: endpoints.screen.host,
      port: endpoints.screen.port,
    });
    membership.screen = screen;
    screen.on('state', (state: ScreenState) =>
      this.socket.send({
        type: 'screen',
        presenting: state.presenting,
        presenterId: state.presenterId,
        presenter: state.presenter,
        reason: state.reason,
      }),
    );
    screen.on('frame', (frame) => {
      // A presenter's page shows its own preview: its frames need not come back.
      if (!membership.media.sharing)
        this.socket.sendFrame(BinaryKind.ScreenFrame, frame.sequence, frame.jpeg);
    });
    const retry = (): void => {
      if (this.#membership !== membership || membership.screen !== screen) return;
      membership.screen = null;
      membership.screenRetry = setTimeout(() => this.#viewScreen(membership), SCREEN_RETRY_MS);
    };
    screen.on('closed', retry);
    screen.view().catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'cannot view the screen share; trying again');
      retry();
    });
  }

  async #endMembership(membership: Membership, reason: string): Promise<void> {
    if (this.#membership !== membership) return;
    this.#membership = null;
    if (membership.screenRetry !== null) clearTimeout(membership.screenRetry);
    const screen = membership.screen;
    membership.screen = null;
    for (const transfer of this.#transfers.values()) this.#failTransfer(transfer, reason);
    await Promise.all([screen?.stop(), membership.media.close()]);
    await membership.session.leave();
    this.#logger.info({ name: membership.session.username, reason }, 'tab left');
  }

  async #sendUpload(membership: Membership, upload: Upload): Promise<void> {
    try {
      upload.stream.end();
      await once(upload.stream, 'close');
      if (upload.abort.signal.aborted) return;
      const done = await membership.files.upload(upload.path, upload.to, {
        signal: upload.abort.signal,
        onProgress: ({ bytes, total }) => this.#progress(upload, 'server', bytes, total),
      });
      this.socket.send({
        type: 'file-sent',
        transfer: upload.transfer,
        fileId: done.fileId,
        md5: done.md5,
        recipients: done.recipients,
      });
    } catch (error) {
      if (!upload.abort.signal.aborted)
        this.socket.send({
          type: 'file-failed',
          transfer: upload.transfer,
          message: toGatewayError(error).message,
        });
    } finally {
      this.#transfers.delete(upload.transfer);
      await this.#services.spool.release(upload.dir);
    }
  }

  /**
   * Stops reading the tab's socket until the spool file has taken what it was given (or is
   * closed: a stream that ends or fails emits no 'drain'), so a fast tab cannot fill memory.
   */
  #holdReadingUntilDrained(stream: WriteStream): void {
    if (this.#readingHolds++ === 0) this.#pauseReading(true);
    const release = (): void => {
      stream.off('drain', release);
      stream.off('close', release);
      if (--this.#readingHolds === 0) this.#pauseReading(false);
    };
    stream.on('drain', release);
    stream.on('close', release);
  }

  #failTransfer(transfer: Upload | Download, reason: string): void {
    if (transfer.abort.signal.aborted) return;
    transfer.abort.abort(new Error(reason));
    this.#transfers.delete(transfer.transfer);
    this.socket.send({ type: 'file-failed', transfer: transfer.transfer, message: reason });
    if (transfer.kind === 'upload' && transfer.received < transfer.size) {
      transfer.stream.destroy();
      void this.#services.spool.release(transfer.dir);
    }
  }

  #progress(
    transfer: Upload | Download,
    stage: 'gateway' | 'server',
    bytes: number,
    total: number,
  ): void {
    const now = Date.now();
    if (bytes < total && now - transfer.lastProgressAt < PROGRESS_EVERY_MS) return;
    transfer.lastProgressAt = now;
    this.socket.send({ type: 'file-progress', transfer: transfer.transfer, stage, bytes, total });
  }

  #meetingError(error: unknown): GatewayError {
    const refused = toGatewayError(error);
    return new GatewayError(refused.code, refused.message, meetingField(refused));
  }

  /** The scheduler connection for the joined server (or, before joining, the one named). */
  async #meetingsClient(server: string | undefined): Promise<MeetingsClient> {
    const endpoints = this.#membership?.endpoints ?? this.#services.servers.resolve(server);
    if (this.#meetings?.address === endpoints.address) {
      const client = await this.#meetings.client.catch(() => null);
      if (client !== null) return client;
    }
    const previous = this.#meetings;
    previous?.client.then(
      (client) => client.close(),
      () => undefined,
    );
    const client = MeetingsClient.connect({
      host: endpoints.control.host,
      port: endpoints.control.port,
      trust: endpoints.trust,
    });
    const entry = { address: endpoints.address, client };
    this.#meetings = entry;
    try {
      const connected = await client;
      connected.on('reminder', (reminder) =>
        this.socket.send({
          type: 'reminder',
          meeting: webMeeting(reminder.meeting),
          minutesBefore: reminder.minutesBefore,
          starting: reminder.starting,
        }),
      );
      connected.on('closed', () => {
        if (this.#meetings === entry) this.#meetings = null;
      });
      if (this.#closed) connected.close();
      return connected;
    } catch (error) {
      if (this.#meetings === entry) this.#meetings = null;
      throw toGatewayError(error);
    }
  }
}
