import { EventEmitter } from 'node:events';
import {
  CHAT_TEXT_MAX_BYTES,
  ChatDelivery,
  ChatMessage,
  DEFAULT_PORTS,
  ErrorCode,
  FileNotice,
  HostActionDone,
  HostActionKind,
  isMediaKind,
  JoinReply,
  MediaEndpoint,
  MediaKind,
  MEDIA_KEY_BYTES,
  MeetingReminder,
  MessageType,
  Participant,
  ParticipantList,
} from '@sapora/protocol';
import { ControlConnection, ControlFrame } from './control/control-connection';
import { SaporaError } from './sapora-error';
import { MemoryFingerprintStore, ServerTrust } from './tls/server-trust';

/** How to reach the server and whom to join as. */
export interface SessionOptions {
  /** The control service's host name or address. */
  host: string;
  /** Control service port; 5000 by default. */
  port?: number;
  /** The name everyone sees: 1–32 characters, unique in the room (names that look alike count as one). */
  username: string;
  /** Blank or absent joins the meeting "default". */
  meetingId?: string;
  /** The room's passcode, if it has one (the first to join a room sets it). */
  passcode?: string;
  /** Shown in the server's logs, e.g. "sapora-cli/0.1.0". */
  clientName?: string;
  /** Reconnect and resume after a dropped connection or a server restart (default true). */
  reconnect?: boolean;
  /** Longest pause between reconnection attempts (default 5000 ms). */
  reconnectMaxDelayMs?: number;
  /** How long to wait for a connection or a join answer (default 5000 ms). */
  connectTimeoutMs?: number;
  /**
   * Media this participant will use: the join is refused (NO_CAPACITY) when a server it needs
   * is full, rather than letting it in to a room it cannot hear.
   */
  media?: readonly MediaKind[];
  /**
   * How the server is trusted (TLS, trust on first use): a fingerprint store and/or the known
   * fingerprint, or `insecure` for plain TCP. By default TLS, with the first key seen trusted
   * for the life of this Session (pass a store to remember it longer).
   */
  trust?: ServerTrust;
  /**
   * The owner token a scheduled meeting's creation returned (MeetingsClient.create): proves
   * this participant created the meeting, so it joins as host, even into a locked room.
   */
  ownerToken?: Buffer;
  /** Joins to record the meeting: everyone's list marks this participant, and the chat says so. */
  recording?: boolean;
}

/** Who runs the room and what it looks like beyond its members (the 'room' event). */
export interface RoomStatus {
  /** Participant id of the host. */
  hostId: string;
  /** New joins are refused (ROOM_LOCKED) while the host keeps the room locked. */
  locked: boolean;
  /** Participant ids with a raised hand, in the order the hands went up. */
  raisedHands: string[];
}

/** What the server said when this session joined. */
export interface JoinInfo {
  /** This participant's id, stable for the life of the session. */
  participantId: string;
  /** 16 random bytes that prove the session to every service; keep it to yourself. */
  sessionToken: Buffer;
  /** The meeting joined ("default" for a blank one). */
  meetingId: string;
  /** The name as the room shows it (normalised). */
  username: string;
  /** Everyone in the room, in order of joining. */
  participants: Participant[];
  /** The room's recent chat this participant may see, oldest first. */
  history: ChatMessage[];
  /** Files sent to this participant in the room and still kept. */
  files: FileNotice[];
  /** How often the session sends a heartbeat (it does so by itself). */
  heartbeatIntervalMs: number;
  /** A session silent this long ends. */
  idleTimeoutMs: number;
  /** True when this was a resume of the same session (same id and token). */
  resumed: boolean;
  /** The mixer's sample rate (0: the server did not say; the default then). */
  audioSampleRate: number;
  /** Samples per audio frame (0: the server did not say; the default then). */
  audioFrameSamples: number;
  /** Where the room's media services are (a kind left out: the control host, default port). */
  media: MediaEndpoint[];
  /** Largest video datagram to send, header included (0: the server did not say; 1200 then). */
  videoDatagramBytes: number;
  /**
   * What this session's media datagrams carry instead of the session token, which never
   * crosses the LAN in clear.
   */
  mediaToken: Buffer;
  /**
   * The session's media key: what it sends is sealed under keys derived from it. Absent when
   * its media is plain (joined over plain TCP, or an older server).
   */
  mediaKey?: Buffer;
}

/** One of the room's media keys: what the media a sealed session receives is sealed under. */
export interface RoomMediaKeyInfo {
  /** Counts the room's keys; a datagram names its key by the epoch's low byte. */
  epoch: number;
  /** 16 bytes; the key for one kind of media is derived from it (PROTOCOL.md section 14). */
  key: Buffer;
}

/** Where one media service of the room is, resolved: a host to send to and a port. */
export interface ResolvedEndpoint {
  /** Which service. */
  kind: MediaKind;
  /** Where to send. */
  host: string;
  /** Its port. */
  port: number;
}

/** A host and a port. */
export interface ServerAddress {
  /** Host name or address. */
  host: string;
  /** TCP or UDP port. */
  port: number;
}

/** Why a session ended (the 'closed' event). */
export interface SessionClosed {
  /** In words, e.g. "left" or the server's reason. */
  reason: string;
  /** The server ended it (not this client's leave() or close()). */
  byServer: boolean;
  /**
   * Why, when the host ended it: ErrorCode.Removed (removed from the meeting) or
   * ErrorCode.MeetingEnded; ErrorCode.Unspecified otherwise.
   */
  code: ErrorCode;
}

/** A reconnection attempt about to be made (the 'reconnecting' event). */
export interface ReconnectAttempt {
  /** 1 for the first attempt after the connection dropped. */
  attempt: number;
  /** How long it waits before this attempt. */
  delayMs: number;
  /** Why it reconnects. */
  reason: string;
}

/** What a Session emits, and with what. */
export interface SessionEvents {
  /** The room's list changed: everyone in it now, in order of joining. */
  participants: [Participant[]];
  /** Who is host, the lock, raised hands: emitted with every new list, just before 'participants'. */
  room: [RoomStatus];
  /** Who is speaking changed: participant ids, loudest first (empty: nobody). */
  speakers: [string[]];
  /** A chat message for this participant (its own included), public or private. */
  chat: [ChatMessage];
  /** The server's report on a message this participant sent (also what sendChat resolves with). */
  delivery: [ChatDelivery];
  /** A file was sent to this participant: fetch it with FileTransferClient. */
  file: [FileNotice];
  /** A scheduled meeting starts soon or now (every connected client hears it). */
  reminder: [MeetingReminder];
  /** Only emitted when someone listens, so an unhandled error never throws. */
  error: [Error];
  /** The session ended and will not come back on its own. */
  closed: [SessionClosed];
  /** The connection dropped; the session tries again after a pause. */
  reconnecting: [ReconnectAttempt];
  /** Back, as the same session (same id and token): nobody saw it leave. */
  resumed: [JoinInfo];
  /** Back, but as a new session (the old one had ended meanwhile): a new id and token. */
  rejoined: [JoinInfo];
  /** The room's media of one kind is now served elsewhere (its node failed or drains). */
  mediaMoved: [ResolvedEndpoint];
  /** The room's media keys changed (someone left, or a rejoin): newest first. */
  roomMediaKeys: [readonly RoomMediaKeyInfo[]];
}

/** Room keys a session keeps: the current one and those before it, for datagrams on their way. */
const ROOM_KEYS_KEPT = 3;

type State = 'idle' | 'joining' | 'joined' | 'reconnecting' | 'closed';

interface Pending {
  resolve: (delivery: ChatDelivery) => void;
  reject: (error: Error) => void;
}

interface PendingHostAction {
  resolve: (done: HostActionDone) => void;
  reject: (error: Error) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const MEDIA_KIND_LIST: readonly MediaKind[] = ['audio', 'video', 'screen', 'files'];

/**
 * A participant's session with the control service: joins, heartbeats on its own, and after a
 * dropped connection reconnects and resumes with its token (or joins afresh if the session has
 * ended meanwhile). Everything the server pushes arrives as typed events.
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly #options: Required<
    Omit<
      SessionOptions,
      'meetingId' | 'passcode' | 'clientName' | 'trust' | 'ownerToken' | 'recording'
    >
  > &
    Pick<SessionOptions, 'meetingId' | 'passcode' | 'clientName' | 'ownerToken' | 'recording'>;
  readonly #trust: ServerTrust;
  #fingerprint: string | undefined;
  #state: State = 'idle';
  #connection: ControlConnection | null = null;
  #info: JoinInfo | null = null;
  #roomKeys: readonly RoomMediaKeyInfo[] = [];
  #participants: Participant[] = [];
  #room: RoomStatus = { hostId: '', locked: false, raisedHands: [] };
  #speakers: string[] = [];
  #heartbeat: NodeJS.Timeout | null = null;
  #lastHeardAt = 0;
  readonly #pending = new Map<number, Pending>();
  readonly #hostPending = new Map<number, PendingHostAction>();

  constructor(options: SessionOptions) {
    super();
    this.#options = {
      port: DEFAULT_PORTS.control,
      reconnect: true,
      reconnectMaxDelayMs: 5_000,
      connectTimeoutMs: 5_000,
      ...options,
      media: options.media ?? [],
    };
    this.#trust = { ...options.trust, store: options.trust?.store ?? new MemoryFingerprintStore() };
  }

  /** The control service's TLS fingerprint (SHA-256), once connected; undefined over plain TCP. */
  get fingerprint256(): string | undefined {
    return this.#fingerprint;
  }

  /**
   * How this session's other connections (files, screen) trust their services: every TCP
   * service of a deployment presents the same key, so they must present the one control did.
   */
  get trust(): ServerTrust {
    return this.#fingerprint === undefined
      ? this.#trust
      : { ...this.#trust, fingerprint256: this.#fingerprint };
  }

  /** Joined, and connected now. */
  get connected(): boolean {
    return this.#state === 'joined';
  }
  /** This participant's id, once joined. */
  get participantId(): string | undefined {
    return this.#info?.participantId;
  }
  /** The session token, once joined: what file transfers and screen shares present (over TLS). */
  get sessionToken(): Buffer | undefined {
    return this.#info?.sessionToken;
  }
  /** The media token, once joined: what every audio and video datagram carries. */
  get mediaToken(): Buffer | undefined {
    return this.#info?.mediaToken;
  }
  /** The room's media keys (sealed sessions only), newest first: the current one and a few before it. */
  get roomMediaKeys(): readonly RoomMediaKeyInfo[] {
    return this.#roomKeys;
  }
  /** The session's media key when its media is sealed. */
  get mediaKey(): Buffer | undefined {
    return this.#info?.mediaKey;
  }
  /** The meeting joined, once joined. */
  get meetingId(): string | undefined {
    return this.#info?.meetingId;
  }
  /** The name as the room shows it (as given, before the join). */
  get username(): string {
    return this.#info?.username ?? this.#options.username;
  }
  /** What the server said at the last join (null before the first). */
  get joinInfo(): JoinInfo | null {
    return this.#info;
  }

  /** Everyone in the room as last heard, in order of joining. */
  get participants(): Participant[] {
    return this.#participants;
  }
  /** Who is host, whether the room is locked, and raised hands in order, as last heard. */
  get room(): RoomStatus {
    return this.#room;
  }
  /** This participant runs the meeting now. */
  get isHost(): boolean {
    return this.#info !== null && this.#room.hostId === this.#info.participantId;
  }
  /** Who is speaking, as last heard: participant ids, loudest first. */
  get speakers(): string[] {
    return this.#speakers;
  }
  /** The chat history the join brought, oldest first. */
  get history(): ChatMessage[] {
    return this.#info?.history ?? [];
  }
  /** Files sent to this participant that were waiting when it (re)joined. */
  get files(): FileNotice[] {
    return this.#info?.files ?? [];
  }
  /** The control service this session talks to. */
  get server(): ServerAddress {
    return { host: this.#options.host, port: this.#options.port };
  }

  /**
   * Where this room's media service of a kind is: as the server placed it (JoinReply, then
   * MEDIA_MOVED), else on the control host at the kind's default port.
   */
  endpoint(kind: MediaKind): ResolvedEndpoint {
    const placed = this.#info?.media.find((endpoint) => endpoint.kind === kind);
    return {
      kind,
      host: placed?.host || this.#options.host,
      port: placed?.port || DEFAULT_PORTS[kind],
    };
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

  /** Raises (or lowers) this participant's hand; the room's lists show hands in raise order. */
  raiseHand(raised = true): void {
    if (this.#state !== 'joined' || this.#connection === null)
      throw new SaporaError(ErrorCode.NotJoined, `not connected (${this.#state})`);
    this.#connection.send(MessageType.RaiseHand, { raised });
  }

  /**
   * Asks for a host action; resolves once it took effect. Anyone but the host is refused with
   * a SaporaError of code NotAllowed whose message names the host. The helpers below
   * (muteParticipant, removeParticipant, ...) are this with the action filled in.
   */
  hostAction(action: HostActionKind, participantId = '', username = ''): Promise<HostActionDone> {
    const connection = this.#connection;
    if (this.#state !== 'joined' || connection === null)
      return Promise.reject(new SaporaError(ErrorCode.NotJoined, `not connected (${this.#state})`));
    return new Promise((resolve, reject) => {
      const sequence = connection.send(MessageType.HostAction, { action, participantId, username });
      this.#hostPending.set(sequence, { resolve, reject });
    });
  }

  /** Host: mutes a participant; the mixer drops their audio until they unmute themselves. */
  muteParticipant(participantId: string): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.Mute, participantId);
  }
  /** Host: ends a participant's session; their name may not rejoin for a while (allowRejoin). */
  removeParticipant(participantId: string): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.Remove, participantId);
  }
  /** Host: lets a removed participant's name rejoin before the ban runs out. */
  allowRejoin(username: string): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.AllowRejoin, '', username);
  }
  /** Host: refuses new joins (ROOM_LOCKED); sessions resuming after a drop still get back in. */
  lockRoom(): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.Lock);
  }
  /** Host: accepts new joins again. */
  unlockRoom(): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.Unlock);
  }
  /** Host: ends a participant's screen share. */
  stopShare(participantId: string): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.StopShare, participantId);
  }
  /** Host: hands the host role to another participant. */
  makeHost(participantId: string): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.MakeHost, participantId);
  }
  /** Lowers a raised hand: one's own (anyone), or someone else's (the host). */
  lowerHand(participantId: string): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.LowerHand, participantId);
  }
  /** Host: ends the meeting for everyone (each session closes with ErrorCode.MeetingEnded). */
  endMeeting(): Promise<HostActionDone> {
    return this.hostAction(HostActionKind.EndMeeting);
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
    const connection = await ControlConnection.open(
      host,
      port,
      connectTimeoutMs,
      undefined,
      this.#trust,
    );
    this.#fingerprint = connection.fingerprint256;
    this.#connection = connection;
    return new Promise<JoinInfo>((resolve, reject) => {
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
        media: [...this.#options.media],
        ownerToken: this.#options.ownerToken ?? Buffer.alloc(0),
        recording: this.#options.recording ?? false,
      });
      const onFrame = (frame: ControlFrame): void => {
        // Taken on at once, within this frame's event: a frame right behind it in the same
        // chunk (the room's new list, a chat message) then reaches #onFrame, in order.
        if (frame.type === MessageType.Joined)
          settle(() => resolve(this.#adopt(connection, frame.payload)));
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
  }

  /** Takes on the session a JOINED reply gives; from here on, the connection's frames count. */
  #adopt(connection: ControlConnection, reply: JoinReply): JoinInfo {
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
      audioSampleRate: reply.audioSampleRate,
      audioFrameSamples: reply.audioFrameSamples,
      media: reply.media,
      videoDatagramBytes: reply.videoDatagramBytes,
      // Servers before JoinReply field 31 took the session token in datagrams.
      mediaToken: reply.mediaToken?.length === 16 ? reply.mediaToken : reply.sessionToken,
      ...(reply.mediaKey?.length === MEDIA_KEY_BYTES ? { mediaKey: reply.mediaKey } : {}),
    };
    const before = MEDIA_KIND_LIST.map((kind) => this.endpoint(kind));
    this.#info = info;
    this.#roomKeys =
      info.mediaKey !== undefined && reply.roomMediaKey?.length === MEDIA_KEY_BYTES
        ? [{ epoch: reply.roomMediaKeyEpoch, key: reply.roomMediaKey }]
        : [];
    this.emit('roomMediaKeys', this.#roomKeys);
    // After a rejoin the room may be served elsewhere: media clients follow.
    for (const previous of before) {
      const now = this.endpoint(previous.kind);
      if (now.host !== previous.host || now.port !== previous.port) this.emit('mediaMoved', now);
    }
    this.#takeList(reply.participants);
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
        this.#takeList(frame.payload);
        this.emit('room', this.#room);
        this.emit('participants', this.#participants);
        return;
      case MessageType.Speakers:
        this.#speakers = frame.payload.participantIds;
        this.emit('speakers', this.#speakers);
        return;
      case MessageType.HostActionDone: {
        const pending = this.#hostPending.get(frame.payload.requestSequence);
        this.#hostPending.delete(frame.payload.requestSequence);
        pending?.resolve(frame.payload);
        return;
      }
      case MessageType.ChatMessage:
        this.emit('chat', frame.payload);
        return;
      case MessageType.FileNotice:
        this.emit('file', frame.payload);
        return;
      case MessageType.MeetingReminder:
        this.emit('reminder', frame.payload);
        return;
      case MessageType.MediaMoved: {
        const moved = frame.payload;
        if (!isMediaKind(moved.kind) || this.#info === null) return;
        this.#info.media = [
          ...this.#info.media.filter((endpoint) => endpoint.kind !== moved.kind),
          moved,
        ];
        this.emit('mediaMoved', this.endpoint(moved.kind));
        return;
      }
      case MessageType.RoomMediaKey: {
        const { key, epoch } = frame.payload;
        const newest = this.#roomKeys[0];
        if (key.length !== MEDIA_KEY_BYTES || newest === undefined || epoch <= newest.epoch) return;
        this.#roomKeys = [{ epoch, key }, ...this.#roomKeys].slice(0, ROOM_KEYS_KEPT);
        this.emit('roomMediaKeys', this.#roomKeys);
        return;
      }
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
        const pending =
          this.#pending.get(requestSequence) ?? this.#hostPending.get(requestSequence);
        this.#pending.delete(requestSequence);
        this.#hostPending.delete(requestSequence);
        if (pending !== undefined) pending.reject(error);
        else this.#emitError(error);
        // A session that ended under us (we were frozen past the idle timeout) joins afresh.
        if (fatal && code !== ErrorCode.SessionExpired) this.#finish(message, true);
        return;
      }
      case MessageType.Disconnect:
        if (!frame.payload.retry)
          this.#finish(
            frame.payload.reason || 'disconnected by the server',
            true,
            frame.payload.code,
          );
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
        this.emit('room', this.#room);
        this.emit('participants', this.#participants);
        return;
      } catch (error) {
        // A refusal ends the session; "try again" (the server cannot reach Redis) does not.
        if (error instanceof SaporaError && error.code !== ErrorCode.Unavailable) {
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

  #takeList(list: ParticipantList): void {
    this.#participants = list.participants;
    this.#room = { hostId: list.hostId, locked: list.locked, raisedHands: list.raisedHands };
  }

  #rejectPending(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    for (const pending of this.#hostPending.values()) pending.reject(error);
    this.#pending.clear();
    this.#hostPending.clear();
  }

  #emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #finish(reason: string, byServer: boolean, code = ErrorCode.Unspecified): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stopHeartbeats();
    this.#rejectPending(new SaporaError(ErrorCode.Unspecified, `session closed: ${reason}`));
    this.emit('closed', { reason, byServer, code });
  }
}
