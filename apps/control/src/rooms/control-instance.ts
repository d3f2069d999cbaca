import { randomUUID } from 'node:crypto';

/** This control process among the several that may share one Redis. */
export class ControlInstance {
  /** Random per process, like a media node's id. */
  readonly id = randomUUID();
}
