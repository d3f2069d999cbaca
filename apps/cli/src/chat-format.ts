import { ChatDelivery, ChatMessage, DeliveryStatus, Participant, RoomStatus } from '@sapora/client';

function clock(ms: number): string {
  const time = new Date(ms);
  return [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** One received message as a terminal line, from the point of view of `me`. */
export function formatMessage(message: ChatMessage, me: string): string {
  const time = `[${clock(message.sentAtMs)}]`;
  // A host action, written by the server: not anyone's words.
  if (message.system) return `${time} * ${message.text}`;
  if (!message.private) return `${time} ${message.from}: ${message.text}`;
  const fromMe = message.from.toLowerCase() === me.toLowerCase();
  return fromMe
    ? `${time} you → ${message.to} (private): ${message.text}`
    : `${time} ${message.from} → you (private): ${message.text}`;
}

/**
 * The room's list for /users: who is host, who speaks, raised hands with their place in the
 * queue, who is muted (and by whom), presenting or recording; and whether the room is locked.
 */
export function formatParticipants(
  participants: Participant[],
  me: string,
  room?: RoomStatus,
  speakers: readonly string[] = [],
): string {
  const lines = participants.map((p) => {
    const hand = room?.raisedHands.indexOf(p.participantId) ?? -1;
    const tags = [
      p.username.toLowerCase() === me.toLowerCase() ? 'you' : '',
      p.host ? 'host' : '',
      speakers.includes(p.participantId) ? 'speaking' : '',
      hand >= 0 ? `hand #${hand + 1}` : '',
      p.muted ? (p.mutedBy ? `muted by ${p.mutedBy}` : 'muted') : '',
      p.presenting ? 'presenting' : '',
      p.recording ? 'recording' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `  ${p.username} (${p.ip})${tags ? ` [${tags}]` : ''}`;
  });
  const header = `${participants.length} in the room${room?.locked ? ' (locked)' : ''}:`;
  return [header, ...lines].join('\n');
}

/** Who arrived and who went between two lists, as announcement lines. */
export function diffParticipants(before: Participant[], after: Participant[]): string[] {
  const beforeIds = new Set(before.map((p) => p.participantId));
  const afterIds = new Set(after.map((p) => p.participantId));
  return [
    ...after.filter((p) => !beforeIds.has(p.participantId)).map((p) => `* ${p.username} joined`),
    ...before.filter((p) => !afterIds.has(p.participantId)).map((p) => `* ${p.username} left`),
  ];
}

export function describeDelivery(delivery: ChatDelivery): string {
  switch (delivery.status) {
    case DeliveryStatus.Delivered:
      return delivery.to
        ? `delivered to ${delivery.to}`
        : `delivered to ${delivery.recipients} other(s)`;
    case DeliveryStatus.NoSuchUser:
      return `no one called "${delivery.to}" is in this meeting`;
    case DeliveryStatus.NobodyElse:
      return 'sent, but nobody else is here yet';
    default:
      return 'sent';
  }
}
