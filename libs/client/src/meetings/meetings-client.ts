import { EventEmitter } from 'node:events';
import {
  ControlPayloads,
  DEFAULT_PORTS,
  ErrorCode,
  MeetingReminder,
  MessageType,
  ScheduledMeeting,
} from '@sapora/protocol';
import { ControlConnection, ControlFrame } from '../control/control-connection';
import { ServerTrust } from '../tls/server-trust';
import { SaporaError } from '../sapora-error';

/** How a MeetingsClient reaches the control service. */
export interface MeetingsClientOptions {
  /** The control service's host. */
  host: string;
  /** Control service port; 5000 by default. */
  port?: number;
  /** How long to wait for the connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long to wait for each answer before giving up on the connection (default 10000 ms). */
  requestTimeoutMs?: number;
  /**
   * How often to send a keepalive while connected (default 10000 ms): the server closes a
   * connection that has not joined and sends nothing for a while (30 s by default).
   */
  keepaliveMs?: number;
  /** How the server is trusted (see ServerTrust); TLS, first key trusted, by default. */
  trust?: ServerTrust;
}

/** A meeting to schedule. */
export interface NewMeeting {
  /** The room it takes place in (letters, digits, ".", "_", "-"; case-sensitive). */
  meetingId: string;
  /** What people see in the schedule. */
  title: string;
  /** ISO 8601 with an offset or Z, e.g. "2026-11-26T10:00:00+01:00". */
  startsAt: string;
  /** How long it lasts. */
  durationMinutes: number;
  /** Who is scheduling it (this connection has not joined, so the server asks). */
  username: string;
}

/** What to change in a scheduled meeting; fields left out stay as they are. */
export interface MeetingChanges {
  /** A new title. */
  title?: string;
  /** A new start, ISO 8601 with an offset or Z. */
  startsAt?: string;
  /** A new duration. */
  durationMinutes?: number;
}

/** A meeting just scheduled, and the token that alone can change or delete it. */
export interface CreatedMeeting {
  /** The meeting as the server keeps it. */
  meeting: ScheduledMeeting;
  /** 16 bytes; keep them: only they can change or delete the meeting later. */
  ownerToken: Buffer;
}

/** What a MeetingsClient emits. */
export interface MeetingsClientEvents {
  /** A meeting starts soon (`minutesBefore` > 0) or now (`starting`). */
  reminder: [MeetingReminder];
  /** The connection to the server ended. */
  closed: [];
}

type Answer = MessageType.Meetings | MessageType.MeetingSaved | MessageType.MeetingDeleted;

interface Pending {
  sequence: number;
  answer: Answer;
  resolve: (payload: ControlPayloads[Answer]) => void;
  reject: (error: Error) => void;
}

/**
 * The meeting scheduler, on a control connection of its own that never joins a meeting: list,
 * create, change and delete scheduled meetings, and hear their reminders while connected.
 * The server answers a connection's requests in the order they were sent.
 */
export class MeetingsClient extends EventEmitter<MeetingsClientEvents> {
  readonly #connection: ControlConnection;
  readonly #requestTimeoutMs: number;
  readonly #pending: Pending[] = [];
  readonly #keepalive: NodeJS.Timeout;
  #timer: NodeJS.Timeout | null = null;
  #closedError: Error | null = null;

  private constructor(
    connection: ControlConnection,
    requestTimeoutMs: number,
    keepaliveMs: number,
  ) {
    super();
    this.#connection = connection;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#keepalive = setInterval(() => connection.send(MessageType.Heartbeat), keepaliveMs);
    // A client kept only to hear reminders must not keep its program alive by this timer.
    this.#keepalive.unref();
    connection.on('frame', (frame) => this.#onFrame(frame));
    connection.on('error', (error) => this.#failAll(error));
    connection.on('close', () => {
      clearInterval(this.#keepalive);
      this.#failAll(
        new SaporaError(ErrorCode.Unspecified, 'connection closed before the server answered'),
      );
      this.emit('closed');
    });
  }

  /** Connects to the control service; rejects with a readable message when it cannot. */
  static async connect(options: MeetingsClientOptions): Promise<MeetingsClient> {
    const connection = await ControlConnection.open(
      options.host,
      options.port ?? DEFAULT_PORTS.control,
      options.connectTimeoutMs ?? 5_000,
      undefined,
      options.trust,
    );
    return new MeetingsClient(
      connection,
      options.requestTimeoutMs ?? 10_000,
      options.keepaliveMs ?? 10_000,
    );
  }

  /** Upcoming and running meetings, earliest start first. */
  async list(): Promise<ScheduledMeeting[]> {
    const answer = await this.#request(MessageType.Meetings, () =>
      this.#connection.send(MessageType.MeetingsList),
    );
    return answer.meetings;
  }

  /** Schedules a meeting; keep `ownerToken`: only it can change or delete the meeting later. */
  async create(meeting: NewMeeting): Promise<CreatedMeeting> {
    return this.#request(MessageType.MeetingSaved, () =>
      this.#connection.send(MessageType.MeetingCreate, meeting),
    );
  }

  /** Changes the fields given (the others stay); resolves with the meeting as now scheduled. */
  async update(
    meetingId: string,
    ownerToken: Buffer,
    changes: MeetingChanges,
  ): Promise<ScheduledMeeting> {
    const answer = await this.#request(MessageType.MeetingSaved, () =>
      this.#connection.send(MessageType.MeetingUpdate, { meetingId, ownerToken, ...changes }),
    );
    return answer.meeting;
  }

  /** Deletes a scheduled meeting (its owner token only); its reminders go too. */
  async delete(meetingId: string, ownerToken: Buffer): Promise<void> {
    await this.#request(MessageType.MeetingDeleted, () =>
      this.#connection.send(MessageType.MeetingDelete, { meetingId, ownerToken }),
    );
  }

  /** Closes the connection; requests still waiting are rejected. Safe to call twice. */
  close(): void {
    this.#connection.destroy();
  }

  #request<T extends Answer>(answer: T, send: () => number): Promise<ControlPayloads[T]> {
    if (this.#closedError !== null) return Promise.reject(this.#closedError);
    return new Promise((resolve, reject) => {
      const settle = resolve as (payload: ControlPayloads[Answer]) => void;
      this.#pending.push({ sequence: send(), answer, resolve: settle, reject });
      this.#armTimer();
    });
  }

  #onFrame(frame: ControlFrame): void {
    if (frame.type === MessageType.MeetingReminder) {
      this.emit('reminder', frame.payload);
      return;
    }
    if (frame.type === MessageType.Error) {
      const { code, message, fatal, requestSequence } = frame.payload;
      const index = this.#pending.findIndex((p) => p.sequence === requestSequence);
      if (index >= 0)
        this.#pending.splice(index, 1)[0].reject(new SaporaError(code, message, fatal));
      if (fatal) this.#failAll(new SaporaError(code, message, fatal));
      this.#armTimer();
      return;
    }
    // Answers come in request order, so the oldest request waiting for this type is its one.
    const index = this.#pending.findIndex((p) => p.answer === frame.type);
    if (index < 0) return;
    this.#pending.splice(index, 1)[0].resolve(frame.payload as ControlPayloads[Answer]);
    this.#armTimer();
  }

  /** One timer for the oldest request: a server that stops answering fails them all. */
  #armTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#failAll(
        new SaporaError(
          ErrorCode.Timeout,
          `no answer from the server within ${this.#requestTimeoutMs} ms`,
        ),
      );
      this.#connection.destroy();
    }, this.#requestTimeoutMs);
  }

  #failAll(error: Error): void {
    this.#closedError ??= error;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const pending of this.#pending.splice(0)) pending.reject(error);
  }
}
