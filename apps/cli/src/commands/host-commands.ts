import { Participant, Session } from '@sapora/client';

/** The meeting commands of `sapora join`, for its help. */
export const HOST_COMMANDS_HELP = `  /hand           raise your hand (/hand down lowers it)
  Host only (anyone else is told who the host is):
  /mute NAME      mute NAME: the mixer drops their audio until they unmute themselves
  /remove NAME    remove NAME; their name may not rejoin for a while (/allow NAME lets it)
  /allow NAME     let a removed participant rejoin
  /lock, /unlock  refuse or accept new joins (people reconnecting always get back in)
  /stopshare NAME end NAME's screen share
  /lower NAME     lower NAME's raised hand
  /host NAME      hand the host role to NAME
  /end            end the meeting for everyone`;

const COMMAND = /^\/(hand|mute|remove|allow|lock|unlock|stopshare|lower|host|end)(?:\s+(.*))?$/;

function find(session: Session, name: string): Participant | undefined {
  const key = name.trim().toLowerCase();
  return session.participants.find((p) => p.username.toLowerCase() === key);
}

/**
 * Runs a meeting command typed in `sapora join`; false when the line is not one of them.
 * What follows (lists, chat lines) arrives as the session's events; refusals are printed.
 */
export async function handleHostLine(
  session: Session,
  line: string,
  print: (line: string) => void,
): Promise<boolean> {
  const match = COMMAND.exec(line);
  if (match === null) return false;
  const [, command, argument = ''] = match;
  try {
    if (command === 'hand') {
      session.raiseHand(argument.trim() !== 'down');
      return true;
    }
    if (command === 'lock') await session.lockRoom();
    else if (command === 'unlock') await session.unlockRoom();
    else if (command === 'end') await session.endMeeting();
    else if (command === 'allow') {
      if (argument.trim() === '') print('usage: /allow NAME');
      else await session.allowRejoin(argument.trim());
    } else {
      const target = find(session, argument);
      if (target === undefined) {
        print(argument.trim() === '' ? `usage: /${command} NAME` : `no "${argument}" in the room`);
        return true;
      }
      const id = target.participantId;
      if (command === 'mute') await session.muteParticipant(id);
      else if (command === 'remove') await session.removeParticipant(id);
      else if (command === 'stopshare') await session.stopShare(id);
      else if (command === 'lower') await session.lowerHand(id);
      else await session.makeHost(id);
    }
  } catch (error) {
    print(`! ${(error as Error).message}`);
  }
  return true;
}
