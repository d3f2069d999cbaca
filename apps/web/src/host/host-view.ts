import type { RoomEvent, WebParticipant } from '@sapora/protocol/gateway';

/** What the page knows about running the meeting: host, lock, hands, mutes, speakers. */
export interface HostView {
  hostId: string;
  locked: boolean;
  /** Participant ids in the order the hands went up. */
  raisedHands: string[];
  /** Participant id => the host who muted them. */
  mutedBy: Record<string, string>;
  recording: string[];
  /** Who speaks now, loudest first. */
  speakers: string[];
}

export const emptyHostView: HostView = {
  hostId: '',
  locked: false,
  raisedHands: [],
  mutedBy: {},
  recording: [],
  speakers: [],
};

export function withRoom(view: HostView, event: RoomEvent): HostView {
  const { hostId, locked, raisedHands, mutedBy, recording } = event;
  return { ...view, hostId, locked, raisedHands, mutedBy, recording };
}

export function withSpeakers(view: HostView, speakers: string[]): HostView {
  return { ...view, speakers };
}

/**
 * A view brought up to the newest room and speakers events heard so far: the meeting view
 * mounts after `joined`, and the gateway sends the room's state right behind it, so a view that
 * only listened would miss it (and show no host until the next change).
 */
export function hostViewSince(
  view: HostView,
  room: RoomEvent | undefined,
  speakers: string[] | undefined,
): HostView {
  const withLatestRoom = room === undefined ? view : withRoom(view, room);
  return speakers === undefined ? withLatestRoom : withSpeakers(withLatestRoom, speakers);
}

/** A CSS string literal for any text (names may hold quotes and backslashes). */
export function cssString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\a ')}"`;
}

/**
 * The marks of the meeting on every tile and list entry, as style rules keyed on the
 * `data-participant` attribute they already carry: a ring around whoever speaks, and after the
 * name "host", "hand 1", "muted by …", "recording". Kept apart from the grid's own markup.
 */
export function participantMarks(view: HostView, participants: WebParticipant[]): string {
  const rules: string[] = [];
  for (const p of participants) {
    const selector = `[data-participant=${cssString(p.name)}]`;
    const marks = [
      p.participantId === view.hostId ? 'host' : '',
      view.raisedHands.includes(p.participantId)
        ? `hand ${view.raisedHands.indexOf(p.participantId) + 1}`
        : '',
      view.mutedBy[p.participantId] ? `muted by ${view.mutedBy[p.participantId]}` : '',
      view.recording.includes(p.participantId) ? 'recording' : '',
    ].filter(Boolean);
    if (marks.length > 0)
      rules.push(
        `${selector} .tile-name::after, ${selector} .person-name::after { content: ${cssString(
          ` · ${marks.join(' · ')}`,
        )}; }`,
      );
    if (view.speakers.includes(p.participantId))
      rules.push(`.tile${selector} { box-shadow: 0 0 0 3px var(--speaking, #3ddc84); }`);
  }
  return rules.join('\n');
}
