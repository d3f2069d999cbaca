/**
 * The rules of running a meeting, as plain functions: who is host, who takes over, who may
 * join a locked room or come back after being removed, and who may do what. Control applies
 * them atomically in Redis (its Lua scripts follow these rules step by step); clients can use
 * them to grey out what the server would refuse.
 */
import { ErrorCode, HostActionKind } from '../messages/control-messages';

/** How long a removed participant's name is refused in the room, unless the host lets them back. */
export const REMOVED_BAN_MS = 10 * 60_000;

/** What the rules need to know of a member. */
export interface RoomMemberView {
  participantId: string;
  username: string;
  joinedAtMs: number;
}

/**
 * The member present longest (earliest join), ties broken by id so every instance picks the
 * same one; null in an empty room. This is who becomes host when the host leaves.
 */
export function longestPresent(members: readonly RoomMemberView[]): RoomMemberView | null {
  let best: RoomMemberView | null = null;
  for (const member of members)
    if (
      best === null ||
      member.joinedAtMs < best.joinedAtMs ||
      (member.joinedAtMs === best.joinedAtMs && member.participantId < best.participantId)
    )
      best = member;
  return best;
}

/** The host after `leavingId` left: unchanged unless the host left, then the longest present. */
export function hostAfterLeave(
  hostId: string,
  leavingId: string,
  remaining: readonly RoomMemberView[],
): string | null {
  if (hostId !== leavingId && remaining.some((m) => m.participantId === hostId)) return hostId;
  return longestPresent(remaining)?.participantId ?? null;
}

/** What a join is checked against besides passcode and name. */
export interface JoinGate {
  /** The room has members (an empty room has no lock and no host yet). */
  occupied: boolean;
  locked: boolean;
  /** Until when the joining name is banned (ms since epoch), 0 if it is not. */
  bannedUntilMs: number;
  /** The join proved the scheduled meeting's owner token: its creator is never locked out. */
  owner: boolean;
  nowMs: number;
}

/** Why a new join is refused, or null. A resume is not a new join and is never asked. */
export function joinRefusal(gate: JoinGate): 'ROOM_LOCKED' | 'REMOVED' | null {
  if (!gate.occupied || gate.owner) return null;
  if (gate.bannedUntilMs > gate.nowMs) return 'REMOVED';
  if (gate.locked) return 'ROOM_LOCKED';
  return null;
}

/** Actions about one participant, who must be in the room. */
export function actionNeedsTarget(action: HostActionKind): boolean {
  return (
    action === HostActionKind.Mute ||
    action === HostActionKind.Remove ||
    action === HostActionKind.StopShare ||
    action === HostActionKind.MakeHost ||
    action === HostActionKind.LowerHand
  );
}

const VERBS: Record<HostActionKind, string> = {
  [HostActionKind.Unspecified]: 'do that',
  [HostActionKind.Mute]: 'mute others',
  [HostActionKind.Remove]: 'remove participants',
  [HostActionKind.Lock]: 'lock the room',
  [HostActionKind.Unlock]: 'unlock the room',
  [HostActionKind.StopShare]: "stop someone's screen share",
  [HostActionKind.EndMeeting]: 'end the meeting',
  [HostActionKind.MakeHost]: 'hand the host role over',
  [HostActionKind.LowerHand]: "lower someone else's hand",
  [HostActionKind.AllowRejoin]: 'let a removed participant back in',
};

/** Who asks, and about whom. */
export interface HostActionRequest {
  action: HostActionKind;
  actorId: string;
  hostId: string;
  hostName: string;
  /** The participant it is about ('' for room-wide actions). */
  targetId: string;
  /** The target is a member of the room now. */
  targetPresent: boolean;
}

/** Why the action is refused (code and a message for people), or null when it may go ahead. */
export function hostActionRefusal(
  request: HostActionRequest,
): { code: ErrorCode; message: string } | null {
  const { action, actorId, targetId } = request;
  if (!(action in VERBS) || action === HostActionKind.Unspecified)
    return { code: ErrorCode.InvalidRequest, message: `unknown host action ${action}` };
  // Lowering one's own hand is everyone's right; the host's role is lowering others'.
  const ownHand = action === HostActionKind.LowerHand && targetId === actorId;
  if (actorId !== request.hostId && !ownHand)
    return {
      code: ErrorCode.NotAllowed,
      message: `only the host (${request.hostName || 'nobody'}) can ${VERBS[action]}`,
    };
  if (actionNeedsTarget(action)) {
    if (targetId === '' || !request.targetPresent)
      return {
        code: ErrorCode.NoSuchParticipant,
        message: `no participant ${targetId === '' ? '(none named)' : targetId} in the room`,
      };
    if (
      targetId === actorId &&
      (action === HostActionKind.Remove || action === HostActionKind.MakeHost)
    )
      return {
        code: ErrorCode.InvalidRequest,
        message:
          action === HostActionKind.Remove
            ? 'the host cannot remove themselves; leave instead'
            : 'you are the host already',
      };
  }
  return null;
}

/** The room's chat line for an action, so nothing a host does happens silently. */
export function hostActionLine(action: HostActionKind, host: string, target: string): string {
  switch (action) {
    case HostActionKind.Mute:
      return `${host} muted ${target}`;
    case HostActionKind.Remove:
      return `${host} removed ${target} from the meeting`;
    case HostActionKind.Lock:
      return `${host} locked the room: nobody new can join`;
    case HostActionKind.Unlock:
      return `${host} unlocked the room`;
    case HostActionKind.StopShare:
      return `${host} stopped ${target}'s screen share`;
    case HostActionKind.EndMeeting:
      return `${host} ended the meeting for everyone`;
    case HostActionKind.MakeHost:
      return `${host} made ${target} the host`;
    case HostActionKind.LowerHand:
      return `${host} lowered ${target}'s hand`;
    case HostActionKind.AllowRejoin:
      return `${host} let ${target} rejoin`;
    default:
      return `${host} did something`;
  }
}
