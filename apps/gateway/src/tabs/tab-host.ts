import { HostActionDone, Session } from '@sapora/client';
import type { GatewayEvent, HostActionDoneEvent, RoomEvent } from '@sapora/protocol';
import { HostActionCommand } from '../socket/commands';
import { GatewayError, toGatewayError } from '../socket/gateway-error';

/** The room's host, lock, hands, mutes by the host and recorders, as a tab's `room` event. */
export function roomEvent(session: Session): RoomEvent {
  const { hostId, locked, raisedHands } = session.room;
  const mutedBy: Record<string, string> = {};
  for (const p of session.participants) if (p.mutedBy !== '') mutedBy[p.participantId] = p.mutedBy;
  return {
    type: 'room',
    hostId,
    locked,
    raisedHands,
    mutedBy,
    recording: session.participants.filter((p) => p.recording).map((p) => p.participantId),
  };
}

/** Passes the session's room and speaker changes to the tab. */
export function listenHost(session: Session, send: (event: GatewayEvent) => void): void {
  session.on('room', () => send(roomEvent(session)));
  session.on('speakers', (participantIds) => send({ type: 'speakers', participantIds }));
}

/** Runs a tab's host action through the session; the service decides who may. */
export async function hostAction(
  session: Session,
  command: HostActionCommand,
): Promise<HostActionDoneEvent> {
  const target = command.participantId ?? '';
  const needsTarget = !['lock', 'unlock', 'end', 'allow-rejoin'].includes(command.action);
  if (needsTarget && target === '')
    throw new GatewayError('InvalidMessage', `${command.action} needs a participantId`);
  let done: Promise<HostActionDone>;
  switch (command.action) {
    case 'mute':
      done = session.muteParticipant(target);
      break;
    case 'remove':
      done = session.removeParticipant(target);
      break;
    case 'allow-rejoin':
      done = session.allowRejoin(command.name ?? '');
      break;
    case 'lock':
      done = session.lockRoom();
      break;
    case 'unlock':
      done = session.unlockRoom();
      break;
    case 'stop-share':
      done = session.stopShare(target);
      break;
    case 'make-host':
      done = session.makeHost(target);
      break;
    case 'lower-hand':
      done = session.lowerHand(target);
      break;
    case 'end':
      done = session.endMeeting();
      break;
  }
  try {
    await done;
  } catch (error) {
    throw toGatewayError(error);
  }
  return { type: 'host-action-done', id: command.id, action: command.action };
}
