/** Base of every error the frame decoder raises; each ends the connection it came from. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnsupportedVersionError extends FrameError {
  constructor(readonly version: number) {
    super(`unsupported protocol version ${version}`);
  }
}

export class UnknownFrameTypeError extends FrameError {
  constructor(readonly type: number) {
    super(`unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

export class FrameTooLargeError extends FrameError {
  constructor(
    readonly type: number,
    readonly length: number,
    readonly limit: number,
  ) {
    super(
      `frame of type 0x${type.toString(16).padStart(2, '0')} is ${length} bytes, over its limit of ${limit}`,
    );
  }
}

export class MalformedPayloadError extends FrameError {}

export class IncompleteFrameTimeoutError extends FrameError {
  constructor(readonly waitedMs: number) {
    super(`incomplete frame: no more bytes for ${waitedMs} ms`);
  }
}

/** A connection that exists to make a request sent none in time (files, screen). */
export class NoRequestTimeoutError extends FrameError {
  constructor(readonly waitedMs: number) {
    super(`no request within ${waitedMs} ms of connecting`);
  }
}
