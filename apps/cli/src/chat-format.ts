import { ChatDelivery, ChatMessage, DeliveryStatus, Participant } from '@sapora/client';

function clock(ms: number): string {
  const time = new Date(ms);
  return [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** One received message as a terminal line, from the point of view of `me`. */
export function formatMessage(message: ChatMessage, me: string): string {
  const time = `[${clock(message.sentAtMs)}]`;
  if (!message.private) return `${time} ${message.from}: ${message.text}`;
  const fromMe = message.from.toLowerCase() === me.toLowerCase();
  return fromMe
    ? `${time} you → ${message.to} (private): ${message.text}`
    : `${time} ${message.from} → you (private): ${message.text}`;
}

export function formatParticipants(participants: Participant[], me: string): string {
  const lines = participants.map((p) => {
    const tags = [
      p.username.toLowerCase() === me.toLowerCase() ? 'you' : '',
      p.muted ? 'muted' : '',
      p.presenting ? 'presenting' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return `  ${p.username} (${p.ip})${tags ? ` [${tags}]` : ''}`;
  });
  return [`${participants.length} in the room:`, ...lines].join('\n');
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
