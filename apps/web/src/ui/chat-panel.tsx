import { useEffect, useRef, useState } from 'preact/hooks';
import type { WebParticipant } from '@sapora/protocol/gateway';
import { describeDelivery, type ChatLog } from '../state/chat-log';
import { clockTime } from '../state/format';

interface Props {
  log: ChatLog;
  others: WebParticipant[];
  onSend: (to: string, text: string) => void;
  visible: boolean;
}

/** Messages with time and sender, private ones marked, mine with their delivery; a composer. */
export function ChatPanel({ log, others, onSend, visible }: Props) {
  const [to, setTo] = useState('all');
  const [text, setText] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (visible) input.current?.focus();
  }, [visible]);
  useEffect(() => {
    const element = list.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  }, [visible, log.entries.length, log.entries[log.entries.length - 1]?.delivery]);
  // A recipient who left: back to everyone.
  useEffect(() => {
    if (to !== 'all' && !others.some((p) => p.name === to)) setTo('all');
  }, [others, to]);

  const submit = (event: Event): void => {
    event.preventDefault();
    const message = text.trim();
    if (message === '') return;
    onSend(to, message);
    setText('');
  };

  return (
    <div class="chat">
      <ol class="chat-log" ref={list} aria-live="polite" aria-label="Messages">
        {log.entries.length === 0 && <li class="muted empty">No messages yet. Say hello.</li>}
        {log.entries.map((entry) => (
          <li
            key={entry.key}
            class={`message ${entry.mine ? 'mine' : ''} ${entry.private ? 'private' : ''}`}
          >
            <div class="message-head">
              <span class="sender">{entry.mine ? 'You' : entry.from}</span>
              {entry.private && (
                <span class="private-mark">
                  {entry.mine ? `private to ${entry.to}` : 'private to you'}
                </span>
              )}
              <time dateTime={new Date(entry.sentAtMs).toISOString()}>
                {clockTime(entry.sentAtMs)}
              </time>
            </div>
            <p class="message-text">{entry.text}</p>
            {entry.delivery && (
              <p class={`delivery delivery-${entry.delivery.state}`}>
                {describeDelivery(entry.delivery)}
              </p>
            )}
          </li>
        ))}
      </ol>
      <form class="composer" onSubmit={submit}>
        <label class="to">
          <span>To</span>
          <select value={to} onChange={(e) => setTo(e.currentTarget.value)} aria-label="Recipient">
            <option value="all">Everyone</option>
            {others.map((p) => (
              <option key={p.participantId} value={p.name}>
                {p.name} (private)
              </option>
            ))}
          </select>
        </label>
        <div class="compose-row">
          <input
            ref={input}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            placeholder={to === 'all' ? 'Message everyone' : `Private message to ${to}`}
            aria-label="Message"
            maxLength={4096}
          />
          <button class="primary" type="submit" disabled={text.trim() === ''}>
            Send
          </button>
        </div>
      </form>
    </div>
  );
}
