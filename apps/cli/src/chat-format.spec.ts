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
  host: false,
  handRaised: false,
  mutedBy: '',
  recording: false,
  ...extra,
});

describe('chat formatting', () => {
  it('formats public and private messages from either end', () => {
    const base = { messageId: 'm', fromId: 'a', text: 'hi', sentAtMs: at, system: false };
    expect(formatMessage({ ...base, from: 'ann', to: '', private: false }, 'bob')).toBe(
      '[09:05:07] ann: hi',
    );
    expect(formatMessage({ ...base, from: 'ann', to: 'Bob', private: true }, 'bob')).toBe(
      '[09:05:07] ann → you (private): hi',
    );
    expect(formatMessage({ ...base, from: 'Bob', to: 'ann', private: true }, 'bob')).toBe(
      '[09:05:07] you → ann (private): hi',
    );
    expect(
      formatMessage(
        {
          ...base,
          fromId: '',
          from: '',
          to: '',
          text: 'ann muted bob',
          system: true,
          private: false,
        },
        'bob',
      ),
    ).toBe('[09:05:07] * ann muted bob');
  });

  it('lists the room with tags', () => {
    expect(
      formatParticipants([person('1', 'ann', { muted: true }), person('2', 'bob')], 'BOB'),
    ).toBe('2 in the room:\n  ann (10.0.0.9) [muted]\n  bob (10.0.0.9) [you]');
  });

  it('shows the host, who speaks, raised hands in order, who muted whom, and the lock', () => {
    const list = [
      person('1', 'ann', { host: true }),
      person('2', 'bob', { muted: true, mutedBy: 'ann', handRaised: true }),
      person('3', 'cy', { handRaised: true, recording: true }),
    ];
    const room = { hostId: '1', locked: true, raisedHands: ['3', '2'] };
    expect(formatParticipants(list, 'cy', room, ['1'])).toBe(
      [
        '3 in the room (locked):',
        '  ann (10.0.0.9) [host, speaking]',
        '  bob (10.0.0.9) [hand #2, muted by ann]',
        '  cy (10.0.0.9) [you, hand #1, recording]',
      ].join('\n'),
    );
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
