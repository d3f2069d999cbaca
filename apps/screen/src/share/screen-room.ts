import { NewestFrameSender } from './newest-frame-sender';

/** One screen-service connection once it has opened, as presenter or viewer. */
export interface ScreenPeer {
  meetingId: string;
  participantId: string;
  username: string;
}

export interface Viewer<C> {
  peer: ScreenPeer;
  connection: C;
  sender: NewestFrameSender;
}

/**
 * A room's share: at most one presenter, its viewers, and the newest frame (already encoded
 * as a SCREEN_FRAME, so a late viewer gets it at once and every viewer gets the same bytes).
 */
export class ScreenRoom<C> {
  readonly meetingId: string;
  presenter: { peer: ScreenPeer; connection: C } | null = null;
  readonly viewers = new Map<C, Viewer<C>>();
  latest: Buffer | null = null;

  constructor(meetingId: string) {
    this.meetingId = meetingId;
  }

  get idle(): boolean {
    return this.presenter === null && this.viewers.size === 0;
  }

  /** Hands a frame to every viewer; each one's sender decides whether it goes now. */
  broadcast(frame: Buffer): void {
    this.latest = frame;
    for (const viewer of this.viewers.values()) viewer.sender.offer(frame);
  }
}
