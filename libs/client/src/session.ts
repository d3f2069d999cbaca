import { EventEmitter } from 'node:events';
import {
  CHAT_TEXT_MAX_BYTES,
  ChatDelivery,
  ChatMessage,
  DEFAULT_PORTS,
  ErrorCode,
  FileNotice,
  JoinReply,
  MeetingReminder,
  MessageType,
  Participant,
} from '@sapora/protocol';
import { ControlConnection, ControlFrame } from './control/control-connection';
import { SaporaError } from './sapora-error';

export interface SessionOptions {
  host: string;
  /** Control service port; 5000 by default. */
  port?: number;
  username: string;
  /** Blank or absent joins the meeting "default". */
  meetingId?: string;
  passcode?: string;
  /** Shown in the server's logs, e.g. "sapora-cli/0.1.0". */
  clientName?: string;
  /** Reconnect and resume after a dropped connection or a server restart (default true). */
  reconnect?: boolean;
  /** Longest pause between reconnection attempts (default 5000 ms). */
  reconnectMaxDelayMs?: number;
  /** How long to wait for a connection or a join answer (default 5000 ms). */
  connectTimeoutMs?: number;
}

/** What the server said when this session joined. */
export interface JoinInfo {
  participantId: string;
  sessionToken: Buffer;
  meetingId: string;
  username: string;
  participants: Participant[];
  history: ChatMessage[];
  /** Files sent to this participant in the room and still kept. */
  files: FileNotice[];
  heartbeatIntervalMs: number;
  idleTimeoutMs: number;
  resumed: boolean;
}

export interface SessionEvents {
  participants: [Participant[]];
  chat: [ChatMessage];
  delivery: [ChatDelivery];
  /** A file was sent to this participant: fetch it with FileTransferClient. */
  file: [FileNotice];
  /** A scheduled meeting starts soon or now (every connected client hears it). */
  reminder: [MeetingReminder];
  /** Only emitted when someone listens, so an unhandled error never throws. */
  error: [Error];
  closed: [{ reason: string; byServer: boolean }];
  reconnecting: [{ attempt: number; delayMs: number; reason: string }];
  resumed: [JoinInfo];
  rejoined: [JoinInfo];
}

type State = 'idle' | 'joining' | 'joined' | 'reconnecting' | 'closed';

interface Pending {
  resolve: (delivery: ChatDelivery) => void;
  reject: (error: Error) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A participant's session with the control service: joins, heartbeats on its own, and after a
 * dropped connection reconnects and resumes with its token (or joins afresh if the session has
 * ended meanwhile). Everything the server pushes arrives as typed events.
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly #options: Required<Omit<SessionOptions, 'meetingId' | 'passcode' | 'clientName'>> &
    Pick<SessionOptions, 'meetingId' | 'passcode' | 'clientName'>;
  #state: State = 'idle';
  #connection: ControlConnection | null = null;
  #info: JoinInfo | null = null;
  #participants: Participant[] = [];
  #heartbeat: NodeJS.Timeout | null = null;
  #lastHeardAt = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(options: SessionOptions) {
    super();
    this.#options = {
      port: DEFAULT_PORTS.control,
      reconnect: true,
      reconnectMaxDelayMs: 5_000,
      connectTimeoutMs: 5_000,
      ...options,
    };
  }

  get connected(): boolean {
    return this.#state === 'joined';
  }
  get participantId(): string | undefined {
    return this.#info?.participantId;
  }
  get sessionToken(): Buffer | undefined {
    return this.#info?.sessionToken;
  }
  get meetingId(): string | undefined {
    return this.#info?.meetingId;
  }
  get username(): string {
    return this.#info?.username ?? this.#options.username;
  }
  get participants(): Participant[] {
    return this.#participants;
  }
  get history(): ChatMessage[] {
    return this.#info?.history ?? [];
  }
  /** Files sent to this participant that were waiting when it (re)joined. */
  get files(): FileNotice[] {
    return this.#info?.files ?? [];
  }
  get server(): { host: string; port: number } {
    return { host: this.#options.host, port: this.#options.port };
  }

  /** Connects and joins; rejects with a SaporaError (code and message) when refused. */
  async connect(): Promise<JoinInfo> {
    if (this.#state !== 'idle')
      throw new Error(`session is ${this.#state}; connect() is called once`);
    this.#state = 'joining';
    try {
      const info = await this.#openAndJoin(null);
      this.#state = 'joined';
      return info;
    } catch (error) {
      this.#state = 'closed';
      throw error;
    }
  }

  /** Sends to "all" (or "") or to one username; resolves with the server's delivery report. */
  sendChat(to: string, text: string): Promise<ChatDelivery> {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > CHAT_TEXT_MAX_BYTES) {
      return Promise.reject(
        new SaporaError(
          ErrorCode.TextTooLong,
          `message is ${bytes} bytes, over the limit of ${CHAT_TEXT_MAX_BYTES}`,
        ),
      );
    }
    const connection = this.#connection;
    if (this.#state !== 'joined' || connection === null) {
      return Promise.reject(new SaporaError(ErrorCode.NotJoined, `not connected (${this.#state})`));
    }
    return new Promise((resolve, reject) => {
      const sequence = connection.send(MessageType.ChatSend, { to, text });
      this.#pending.set(sequence, { resolve, reject });
    });
  }

  /** Tells the room this participant is (un)muted; the new list arrives as a 'participants' event. */
  setMuted(muted: boolean): void {
    if (this.#state !== 'joined' || this.#connection === null)
      throw new SaporaError(ErrorCode.NotJoined, `not connected (${this.#state})`);
    this.#connection.send(MessageType.SetMuted, { muted });
  }

  /** Leaves the meeting: the server removes this participant at once. Safe to call twice. */
  async leave(): Promise<void> {
    if (this.#state === 'closed') return;
    const connection = this.#connection;
    this.#finish('left', false);
    if (connection === null || connection.closed) return;
    const closed = new Promise<void>((resolve) => connection.once('close', resolve));
    connection.send(MessageType.Disconnect, { reason: 'leaving' });
    const timer = setTimeout(() => connection.destroy(), this.#options.connectTimeoutMs);
    await closed;
    clearTimeout(timer);
  }

  /** Drops the connection without leaving: the server keeps the place until the idle timeout. */
  close(): void {
    if (this.#state === 'closed') return;
    const connection = this.#connection;
    this.#finish('closed by client', false);
    connection?.destroy();
  }

  async #openAndJoin(resumeToken: Buffer | null): Promise<JoinInfo> {
    const { host, port, connectTimeoutMs } = this.#options;
    const connection = await ControlConnection.open(host, port, connectTimeoutMs);
    this.#connection = connection;
    const reply = await new Promise<JoinReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        connection.destroy();
        reject(new Error(`no answer to join from ${host}:${port} within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      const sequence = connection.send(MessageType.Register, {
        username: this.#options.username,
        meetingId: this.#options.meetingId ?? '',
        passcode: this.#options.passcode ?? '',
        resumeToken: resumeToken ?? Buffer.alloc(0),
        clientName: this.#options.clientName ?? 'sapora-client',
      });
      const onFrame = (frame: ControlFrame): void => {
        if (frame.type === MessageType.Joined) settle(() => resolve(frame.payload));
        else if (
          frame.type === MessageType.Error &&
          (frame.payload.requestSequence === sequence || frame.payload.fatal)
        ) {
          const { code, message, fatal } = frame.payload;
          settle(() => reject(new SaporaError(code, message, fatal)));
          connection.destroy();
        }
      };
      const onClose = (): void =>
        settle(() =>
          reject(new Error(`${host}:${port} closed the connection before the join was answered`)),
        );
      const settle = (done: () => void): void => {
        clearTimeout(timer);
        connection.off('frame', onFrame);
        connection.off('close', onClose);
        done();
      };
      connection.on('frame', onFrame);
      connection.on('close', onClose);
    });
    const info: JoinInfo = {
      participantId: reply.participantId,
      sessionToken: reply.sessionToken,
      meetingId: reply.meetingId,
      username: reply.username,
      participants: reply.participants.participants,
      history: reply.history,
      files: reply.files,
      heartbeatIntervalMs: reply.heartbeatIntervalMs,
      idleTimeoutMs: reply.idleTimeoutMs,
      resumed: reply.resumed,
    };
    this.#info = info;
    this.#participants = info.participants;
    this.#lastHeardAt = Date.now();
    connection.on('frame', (frame) => this.#onFrame(connection, frame));
    connection.on('error', (error) => this.#emitError(error));
    connection.on('close', () => this.#onClose(connection));
    this.#startHeartbeats(connection, info);
    return info;
  }

  #onFrame(connection: ControlConnection, frame: ControlFrame): void {
    this.#lastHeardAt = Date.now();
    switch (frame.type) {
      case MessageType.UserList:
        this.#participants = frame.payload.participants;
        this.emit('participants', this.#participants);
        return;
      case MessageType.ChatMessage:
        this.emit('chat', frame.payload);
        return;
      case MessageType.FileNotice:
        this.emit('file', frame.payload);
        return;
      case MessageType.MeetingReminder:
        this.emit('reminder', frame.payload);
        return;
      case MessageType.ChatDelivery: {
        const pending = this.#pending.get(frame.payload.requestSequence);
        this.#pending.delete(frame.payload.requestSequence);
        pending?.resolve(frame.payload);
        this.emit('delivery', frame.payload);
        return;
      }
      case MessageType.Error: {
        const { code, message, fatal, requestSequence } = frame.payload;
        const error = new SaporaError(code, message, fatal);
        const pending = this.#pending.get(requestSequence);
        this.#pending.delete(requestSequence);
        if (pending !== undefined) pending.reject(error);
        else this.#emitError(error);
        // A session that ended under us (we were frozen past the idle timeout) joins afresh.
        if (fatal && code !== ErrorCode.SessionExpired) this.#finish(message, true);
        return;
      }
      case MessageType.Disconnect:
        if (!frame.payload.retry)
          this.#finish(frame.payload.reason || 'disconnected by the server', true);
        connection.destroy();
        return;
      default:
        return;
    }
  }

  #onClose(connection: ControlConnection): void {
    if (connection !== this.#connection) return;
    this.#stopHeartbeats();
    this.#rejectPending(
      new SaporaError(ErrorCode.Unspecified, 'connection closed before the server answered'),
    );
    if (this.#state !== 'joined') return;
    if (!this.#options.reconnect) {
      this.#finish('connection lost', true);
      return;
    }
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    this.#state = 'reconnecting';
    for (let attempt = 1; this.#state === 'reconnecting'; attempt++) {
      const ceiling = Math.min(this.#options.reconnectMaxDelayMs, 100 * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      this.emit('reconnecting', { attempt, delayMs, reason: 'connection lost' });
      await sleep(delayMs);
      if (this.#state !== 'reconnecting') return;
      try {
        const info = await this.#joinAgain();
        if (this.#state !== 'reconnecting') {
          this.#connection?.destroy();
          return;
        }
        this.#state = 'joined';
        this.emit(info.resumed ? 'resumed' : 'rejoined', info);
        this.emit('participants', this.#participants);
        return;
      } catch (error) {
        if (error instanceof SaporaError) {
          this.#emitError(error);
          this.#finish(`could not rejoin: ${error.message}`, true);
          return;
        }
      }
    }
  }

  /** Resume with the token; if the session ended meanwhile, join afresh under the same name. */
  async #joinAgain(): Promise<JoinInfo> {
    try {
      return await this.#openAndJoin(this.#info?.sessionToken ?? null);
    } catch (error) {
      if (error instanceof SaporaError && error.code === ErrorCode.SessionExpired)
        return this.#openAndJoin(null);
      throw error;
    }
  }

  #startHeartbeats(connection: ControlConnection, info: JoinInfo): void {
    this.#stopHeartbeats();
    this.#heartbeat = setInterval(() => {
      // A server that has said nothing for a whole idle timeout is gone, even if TCP has not noticed.
      if (Date.now() - this.#lastHeardAt > info.idleTimeoutMs) connection.destroy();
      else connection.send(MessageType.Heartbeat);
    }, info.heartbeatIntervalMs);
  }

  #stopHeartbeats(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #rejectPending(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #finish(reason: string, byServer: boolean): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stopHeartbeats();
    this.#rejectPending(new SaporaError(ErrorCode.Unspecified, `session closed: ${reason}`));
    this.emit('closed', { reason, byServer });
  }
}
