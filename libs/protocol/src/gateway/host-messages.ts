// Running a meeting through the gateway (docs/PROTOCOL.md, sections 12 and 14): the commands
// and events a tab uses for raised hands, host actions and who is speaking.

/** The command types of this file, added to GATEWAY_COMMAND_TYPES. */
export const HOST_COMMAND_TYPES = ['hand', 'host-action'] as const;

/**
 * Raises or lowers this tab's hand. Answered by `host-action-done` (action "hand") once sent;
 * the `room` event that follows shows the hand.
 */
export interface HandCommand {
  type: 'hand';
  id?: number;
  raised: boolean;
}

/** The host actions, by name (section 15 of PROTOCOL.md says what each does). */
export const WEB_HOST_ACTIONS = [
  'mute',
  'remove',
  'allow-rejoin',
  'lock',
  'unlock',
  'stop-share',
  'make-host',
  'lower-hand',
  'end',
] as const;
export type WebHostAction = (typeof WEB_HOST_ACTIONS)[number];

/** A host action; answered by `host-action-done`, or an error (NotAllowed names the host). */
export interface HostActionCommand {
  type: 'host-action';
  id?: number;
  action: WebHostAction;
  /** Whom it is about (mute, remove, stop-share, make-host, lower-hand). */
  participantId?: string;
  /** allow-rejoin: the removed participant's name. */
  name?: string;
}

/**
 * Who runs the room and what it looks like beyond its members: sent after `joined` and with
 * every `participants` event.
 */
export interface RoomEvent {
  type: 'room';
  hostId: string;
  locked: boolean;
  /** Participant ids, in the order the hands went up. */
  raisedHands: string[];
  /** Participant id => the host's name, for those the host muted. */
  mutedBy: Record<string, string>;
  /** Participant ids of those recording the meeting. */
  recording: string[];
}

/** Who is speaking now, loudest first (empty: nobody); sent when it changes. */
export interface SpeakersEvent {
  type: 'speakers';
  participantIds: string[];
}

/** A host action took effect (or a `hand` command was passed on). */
export interface HostActionDoneEvent {
  type: 'host-action-done';
  id?: number;
  action: WebHostAction | 'hand';
}
