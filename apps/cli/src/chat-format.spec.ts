import { DeliveryStatus, Participant } from '@sapora/client';
import {
  describeDelivery,
  diffParticipants,
  formatMessage,
  formatParticipants,
} from './chat-format';

const at = new Date(2026, 10, 24, 9, 5, 7).getTime();
const person = (
  participantId: string,
  username: string,
  extra: Partial<Participant> = {},
): Participant => ({
  participantId,
  username,
  ip: '10.0.0.9',
  muted: false,
  presenting: false,
  joinedAtMs: 0,
  ...extra,
});

describe('chat formatting', () => {
  it('formats public and private messages from either end', () => {
    const base = { messageId: 'm', fromId: 'a', text: 'hi', sentAtMs: at };
    expect(formatMessage({ ...base, from: 'ann', to: '', private: false }, 'bob')).toBe(
      '[09:05:07] ann: hi',
    );
    expect(formatMessage({ ...base, from: 'ann', to: 'Bob', private: true }, 'bob')).toBe(
      '[09:05:07] ann → you (private): hi',
    );
    expect(formatMessage({ ...base, from: 'Bob', to: 'ann', private: true }, 'bob')).toBe(
      '[09:05:07] you → ann (private): hi',
    );
  });

  it('lists the room with tags', () => {
    expect(
      formatParticipants([person('1', 'ann', { muted: true }), person('2', 'bob')], 'BOB'),
    ).toBe('2 in the room:\n  ann (10.0.0.9) [muted]\n  bob (10.0.0.9) [you]');
  });

  it('announces joins and leaves', () => {
    expect(
      diffParticipants(
        [person('1', 'ann'), person('2', 'bob')],
        [person('2', 'bob'), person('3', 'cy')],
      ),
    ).toEqual(['* cy joined', '* ann left']);
  });

  it('says what happened to a message', () => {
    const delivery = { requestSequence: 1, messageId: 'm', recipients: 0, to: 'zed' };
    expect(describeDelivery({ ...delivery, status: DeliveryStatus.NoSuchUser })).toBe(
      'no one called "zed" is in this meeting',
    );
    expect(
      describeDelivery({ ...delivery, to: '', recipients: 3, status: DeliveryStatus.Delivered }),
    ).toBe('delivered to 3 other(s)');
  });
});
