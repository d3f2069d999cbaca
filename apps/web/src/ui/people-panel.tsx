import type { WebParticipant } from '@sapora/protocol/gateway';
import { hueOf, initials, tileLabel } from '../state/participants';
import { MicOffIcon, ScreenIcon } from './icons';

/** Everyone in the meeting, by joining order, with their muted and presenting marks. */
export function PeoplePanel({
  participants,
  myId,
}: {
  participants: WebParticipant[];
  myId: string;
}) {
  return (
    <ul class="people" aria-label="People in the meeting">
      {participants.map((p) => (
        <li key={p.participantId} data-participant={p.name}>
          <span class="avatar small" style={{ '--hue': String(hueOf(p.name)) }} aria-hidden="true">
            {initials(p.name)}
          </span>
          <span class="person-name">{tileLabel(p, myId)}</span>
          {p.muted && <MicOffIcon label="muted" />}
          {p.presenting && <ScreenIcon label="presenting" />}
        </li>
      ))}
    </ul>
  );
}
