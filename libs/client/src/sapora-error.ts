import { ErrorCode } from '@sapora/protocol';

/** An error the server answered with, or a local one phrased the same way. */
export class SaporaError extends Error {
  readonly code: ErrorCode;
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
