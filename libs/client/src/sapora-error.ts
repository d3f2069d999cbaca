import { ErrorCode } from '@sapora/protocol';

/** An error the server answered with, or a local one phrased the same way. */
export class SaporaError extends Error {
  /** What went wrong, as the protocol names it (docs/PROTOCOL.md lists every code). */
  readonly code: ErrorCode;
  /** The server closed the connection after saying this. */
  readonly fatal: boolean;

  constructor(code: ErrorCode, message: string, fatal = false) {
    super(message);
    this.name = 'SaporaError';
    this.code = code;
    this.fatal = fatal;
  }

  /** The code's name, e.g. "UsernameTaken", for logs and messages. */
  get codeName(): string {
    return ErrorCode[this.code] ?? `code ${this.code}`;
  }
}
