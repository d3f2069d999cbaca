/**
 * How long a connection may hold a socket without earning it. All optional; unset means "no
 * limit of this kind". None fires while one of the connection's frames is being handled.
 */
export interface ConnectionDeadlines {
  /**
   * A connection must prove a live session (join, open a transfer or a share) within this long
   * of connecting or of finishing its last authenticated piece of work. Refused attempts do not
   * extend it.
   */
  authenticateWithinMs?: number;
  /** An unauthenticated connection that sends no frame for this long is closed (keepalive). */
  unauthenticatedIdleMs?: number;
  /** An authenticated connection that sends no frame for this long is closed (a stalled upload). */
  authenticatedIdleMs?: number;
}

export type DeadlineKind = 'authenticate' | 'idle';

/**
 * The deadlines of one connection, on one timer. Per frame the owner only brackets the handling
 * (two counter updates and a clock read); the timer, when it fires, works out whether a deadline
 * really passed or sets itself for the next one. `expired` is called at most once.
 */
export class ConnectionDeadlineTimers {
  readonly #deadlines: ConnectionDeadlines;
  readonly #expired: (kind: DeadlineKind, ms: number) => void;
  #authenticated = false;
  #busy = 0;
  #closed = false;
  #lastActivityAt = Date.now();
  #authDueAt = Infinity;
  #timer: NodeJS.Timeout | null = null;

  constructor(deadlines: ConnectionDeadlines, expired: (kind: DeadlineKind, ms: number) => void) {
    this.#deadlines = deadlines;
    this.#expired = expired;
    this.#restartAuthDeadline();
    this.#check();
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  handlingStarted(): void {
    this.#busy++;
  }

  handlingEnded(): void {
    this.#busy--;
    this.#lastActivityAt = Date.now();
  }

  authenticate(): void {
    if (this.#authenticated) return;
    this.#authenticated = true;
    this.#check();
  }

  deauthenticate(): void {
    if (!this.#authenticated) return;
    this.#authenticated = false;
    this.#restartAuthDeadline();
    this.#check();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #restartAuthDeadline(): void {
    const within = this.#deadlines.authenticateWithinMs;
    this.#authDueAt = within === undefined ? Infinity : Date.now() + within;
  }

  #idleMs(): number | undefined {
    return this.#authenticated
      ? this.#deadlines.authenticatedIdleMs
      : this.#deadlines.unauthenticatedIdleMs;
  }

  /** Fires a passed deadline, or sets the timer for the nearest one still ahead. */
  #check(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#closed) return;
    const now = Date.now();
    const idleMs = this.#idleMs();
    const idleDueAt = idleMs === undefined ? Infinity : this.#lastActivityAt + idleMs;
    const authDueAt = this.#authenticated ? Infinity : this.#authDueAt;
    if (this.#busy === 0) {
      if (authDueAt <= now) return this.#fire('authenticate', this.#deadlines.authenticateWithinMs);
      if (idleDueAt <= now) return this.#fire('idle', idleMs);
    }
    const dueAt = Math.min(authDueAt, idleDueAt);
    if (dueAt === Infinity) return;
    // While a frame is handled nothing fires; look again a little later.
    const waitMs = this.#busy > 0 ? Math.max(50, idleMs ?? 1_000) : dueAt - now;
    this.#timer = setTimeout(() => this.#check(), waitMs);
  }

  #fire(kind: DeadlineKind, ms: number | undefined): void {
    this.close();
    this.#expired(kind, ms ?? 0);
  }
}
