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
import { SaporaError } from '../sapora-error';

export interface MeetingsClientOptions {
  host: string;
  /** Control service port; 5000 by default. */
  port?: number;
  /** How long to wait for the connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long to wait for each answer before giving up on the connection (default 10000 ms). */
  requestTimeoutMs?: number;
}

export interface NewMeeting {
  meetingId: string;
  title: string;
  /** ISO 8601 with an offset or Z, e.g. "2026-11-26T10:00:00+01:00". */
  startsAt: string;
  durationMinutes: number;
  /** Who is scheduling it (this connection has not joined, so the server asks). */
  username: string;
}

export interface MeetingChanges {
  title?: string;
  startsAt?: string;
  durationMinutes?: number;
}

export interface MeetingsClientEvents {
  /** A meeting starts soon (`minutesBefore` > 0) or now (`starting`). */
  reminder: [MeetingReminder];
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
  #timer: NodeJS.Timeout | null = null;
  #closedError: Error | null = null;

  private constructor(connection: ControlConnection, requestTimeoutMs: number) {
    super();
    this.#connection = connection;
    this.#requestTimeoutMs = requestTimeoutMs;
    connection.on('frame', (frame) => this.#onFrame(frame));
    connection.on('error', (error) => this.#failAll(error));
    connection.on('close', () => {
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
    );
    return new MeetingsClient(connection, options.requestTimeoutMs ?? 10_000);
  }

  /** Upcoming and running meetings, earliest start first. */
  async list(): Promise<ScheduledMeeting[]> {
    const answer = await this.#request(MessageType.Meetings, () =>
      this.#connection.send(MessageType.MeetingsList),
    );
    return answer.meetings;
  }

  /** Schedules a meeting; keep `ownerToken`: only it can change or delete the meeting later. */
  async create(meeting: NewMeeting): Promise<{ meeting: ScheduledMeeting; ownerToken: Buffer }> {
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
