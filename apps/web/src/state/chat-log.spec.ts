import type { WebChatMessage } from '@sapora/protocol/gateway';
import {
  chatDelivered,
  chatFailed,
  chatLogFromHistory,
  chatRead,
  chatReceived,
  chatSending,
  describeDelivery,
  emptyChatLog,
} from './chat-log';

const me = { name: 'Ann', id: 'p-ann' };
const message = (over: Partial<WebChatMessage>): WebChatMessage => ({
  messageId: 'm1',
  fromId: 'p-bob',
  from: 'Bob',
  to: '',
  text: 'hello',
  sentAtMs: 1000,
  private: false,
  ...over,
});

describe('chat log', () => {
  it('takes the history, marking my old messages as sent', () => {
    const log = chatLogFromHistory(
      [message({}), message({ messageId: 'm2', fromId: 'p-ann', from: 'Ann' })],
      me.id,
    );
    expect(log.entries.map((e) => [e.key, e.mine, e.delivery?.state])).toEqual([
      ['m1', false, undefined],
      ['m2', true, 'sent'],
    ]);
  });

  it('follows my message from sending to sent (the echo) to delivered', () => {
    let log = chatSending(emptyChatLog, 7, me, 'all', 'hi all', 500);
    expect(log.entries[0]).toMatchObject({ key: 'local-7', private: false, to: '' });
    expect(describeDelivery(log.entries[0].delivery!)).toBe('sending…');
    log = chatReceived(
      log,
      message({ messageId: 'm9', fromId: me.id, from: 'Ann', text: 'hi all' }),
      me.id,
      false,
    );
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({ key: 'm9', sentAtMs: 1000, commandId: 7 });
    expect(describeDelivery(log.entries[0].delivery!)).toBe('sent');
    expect(log.unread).toBe(0);
    log = chatDelivered(log, 7, {
      type: 'delivery',
      state: 'delivered',
      messageId: 'm9',
      recipients: 2,
      to: '',
    });
    expect(describeDelivery(log.entries[0].delivery!)).toBe('delivered to 2');
  });

  it('says why a private message was not delivered', () => {
    let log = chatSending(emptyChatLog, 3, me, 'ghost', 'psst', 0);
    expect(log.entries[0]).toMatchObject({ private: true, to: 'ghost' });
    log = chatDelivered(log, 3, {
      type: 'delivery',
      state: 'no-such-user',
      messageId: '',
      recipients: 0,
      to: 'ghost',
    });
    expect(describeDelivery(log.entries[0].delivery!)).toBe(
      'not delivered: no one called "ghost" is here',
    );
    log = chatFailed(chatSending(log, 4, me, 'all', 'x', 0), 4, 'too many messages');
    expect(describeDelivery(log.entries[1].delivery!)).toBe('not delivered: too many messages');
  });

  it('counts unread messages from others only while the chat is closed', () => {
    let log = chatReceived(emptyChatLog, message({ messageId: 'a' }), me.id, false);
    log = chatReceived(log, message({ messageId: 'b' }), me.id, false);
    log = chatReceived(log, message({ messageId: 'c' }), me.id, true);
    expect(log.unread).toBe(2);
    expect(chatRead(log).unread).toBe(0);
  });
});
