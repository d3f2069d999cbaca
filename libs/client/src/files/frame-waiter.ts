import { FileAccepted, FileDone, MessageType } from '@sapora/protocol';
import { ControlConnection, ControlFrame } from '../control/control-connection';
import { SaporaError } from '../sapora-error';

/** Waits for the next answer of a given type; an ERROR frame rejects, a closed connection gives null. */
export class FrameWaiter {
  readonly #connection: ControlConnection;
  readonly #frames: ControlFrame[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  readonly #onFrame = (frame: ControlFrame): void => {
    this.#frames.push(frame);
    this.#wake?.();
  };
  readonly #onClose = (): void => {
    this.#closed = true;
    this.#wake?.();
  };

  constructor(connection: ControlConnection) {
    this.#connection = connection;
    connection.on('frame', this.#onFrame);
    connection.on('close', this.#onClose);
  }

  async next<T extends MessageType.FileAccepted | MessageType.FileDone>(
    type: T,
  ): Promise<(T extends MessageType.FileAccepted ? FileAccepted : FileDone) | null> {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame !== undefined) {
        if (frame.type === MessageType.Error)
          throw new SaporaError(frame.payload.code, frame.payload.message, frame.payload.fatal);
        if (frame.type === type) return frame.payload as never;
        continue;
      }
      if (this.#closed) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }

  stop(): void {
    this.#connection.off('frame', this.#onFrame);
    this.#connection.off('close', this.#onClose);
  }
}
