import type { WebParticipant } from '@sapora/protocol/gateway';

/** Participants in the order tiles and the list show them: by who joined first. */
export function inJoinOrder(participants: WebParticipant[]): WebParticipant[] {
  return participants
    .slice()
    .sort((a, b) => a.joinedAtMs - b.joinedAtMs || a.name.localeCompare(b.name));
}

/** Up to two letters for a tile without video: "Ann Lee" → "AL", "bob" → "B". */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/u)
    .filter((word) => word !== '');
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  return letters.map((word) => Array.from(word)[0]?.toUpperCase() ?? '').join('') || '?';
}

/** A steady hue per name, so a person keeps their colour across tabs and meetings. */
export function hueOf(name: string): number {
  let hash = 0;
  for (const char of name.toLowerCase()) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 360;
}

/** The tile's label: the name, with "(You)" on one's own. */
export function tileLabel(participant: WebParticipant, myId: string): string {
  return participant.participantId === myId ? `${participant.name} (You)` : participant.name;
}
