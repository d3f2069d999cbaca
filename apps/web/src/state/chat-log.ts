import type { DeliveryEvent, WebChatMessage } from '@sapora/protocol/gateway';

/** Where one of my messages stands. */
export type Delivery =
  | { state: 'sending' }
  | { state: 'sent' }
  | { state: 'delivered'; recipients: number }
  | { state: 'not-delivered'; reason: string };

export interface ChatEntry {
  /** Stable key for the list: the server's message id, or "local-<command id>" until it has one. */
  key: string;
  from: string;
  fromId: string;
  to: string;
  text: string;
  sentAtMs: number;
  private: boolean;
  mine: boolean;
  /** Only for my own messages. */
  delivery?: Delivery;
  /** The command id of my message, to match its delivery report. */
  commandId?: number;
}

export interface ChatLog {
  entries: ChatEntry[];
  /** Messages from others that arrived while the chat was closed. */
  unread: number;
}

/** Most messages the page keeps (the server keeps 200 in its history). */
export const CHAT_LOG_LIMIT = 500;

export const emptyChatLog: ChatLog = { entries: [], unread: 0 };

function fromServer(message: WebChatMessage, myId: string): ChatEntry {
  const mine = message.fromId === myId;
  return {
    key: message.messageId,
    // The server's lines about host actions have no sender.
    from: message.system === true ? 'Meeting' : message.from,
    fromId: message.fromId,
    to: message.to,
    text: message.text,
    sentAtMs: message.sentAtMs,
    private: message.private,
    mine,
    ...(mine ? { delivery: { state: 'sent' as const } } : {}),
  };
}

function bounded(entries: ChatEntry[]): ChatEntry[] {
  return entries.length > CHAT_LOG_LIMIT ? entries.slice(entries.length - CHAT_LOG_LIMIT) : entries;
}

/** The history the server sent on joining; my old messages count as delivered. */
export function chatLogFromHistory(history: WebChatMessage[], myId: string): ChatLog {
  return { entries: bounded(history.map((message) => fromServer(message, myId))), unread: 0 };
}

/** I sent a message (command `commandId`); it shows at once as "sending". */
export function chatSending(
  log: ChatLog,
  commandId: number,
  me: { name: string; id: string },
  to: string,
  text: string,
  nowMs: number,
): ChatLog {
  const isPrivate = to !== '' && to.toLowerCase() !== 'all';
  const entry: ChatEntry = {
    key: `local-${commandId}`,
    from: me.name,
    fromId: me.id,
    to: isPrivate ? to : '',
    text,
    sentAtMs: nowMs,
    private: isPrivate,
    mine: true,
    delivery: { state: 'sending' },
    commandId,
  };
  return { ...log, entries: bounded([...log.entries, entry]) };
}

/**
 * A message from the server. My own come back as an echo before their delivery report: the
 * echo takes the place of the oldest of my "sending" entries with the same text.
 */
export function chatReceived(
  log: ChatLog,
  message: WebChatMessage,
  myId: string,
  panelOpen: boolean,
): ChatLog {
  const entry = fromServer(message, myId);
  if (entry.mine) {
    const index = log.entries.findIndex(
      (e) => e.mine && e.delivery?.state === 'sending' && e.text === message.text,
    );
    if (index >= 0) {
      const entries = log.entries.slice();
      entries[index] = { ...entry, commandId: log.entries[index].commandId };
      return { ...log, entries };
    }
  }
  return {
    entries: bounded([...log.entries, entry]),
    unread: entry.mine || panelOpen ? log.unread : log.unread + 1,
  };
}

/** The server's report on my message. */
export function chatDelivered(log: ChatLog, commandId: number, report: DeliveryEvent): ChatLog {
  let delivery: Delivery;
  if (report.state === 'delivered')
    delivery = { state: 'delivered', recipients: report.recipients };
  else if (report.state === 'no-such-user')
    delivery = { state: 'not-delivered', reason: `no one called "${report.to}" is here` };
  else delivery = { state: 'not-delivered', reason: 'nobody else is in the meeting' };
  return updateMine(log, commandId, delivery);
}

/** My message was refused (too long, too many, connection lost). */
export function chatFailed(log: ChatLog, commandId: number, reason: string): ChatLog {
  return updateMine(log, commandId, { state: 'not-delivered', reason });
}

function updateMine(log: ChatLog, commandId: number, delivery: Delivery): ChatLog {
  const index = log.entries.findIndex((e) => e.mine && e.commandId === commandId);
  if (index < 0) return log;
  const entries = log.entries.slice();
  entries[index] = { ...entries[index], delivery };
  return { ...log, entries };
}

export function chatRead(log: ChatLog): ChatLog {
  return log.unread === 0 ? log : { ...log, unread: 0 };
}

/** "sent", "delivered to 2", "not delivered: …", for the line under my message. */
export function describeDelivery(delivery: Delivery): string {
  switch (delivery.state) {
    case 'sending':
      return 'sending…';
    case 'sent':
      return 'sent';
    case 'delivered':
      return delivery.recipients === 1 ? 'delivered' : `delivered to ${delivery.recipients}`;
    case 'not-delivered':
      return `not delivered: ${delivery.reason}`;
  }
}
