import { decodePayload, encodePayload, MessageType, ScheduledMeeting } from '../index';
import { meetingEndMs, parseMeetingTime } from './meeting-rules';

describe('meeting times', () => {
  it('reads ISO 8601 with an offset or Z, keeping the offset it was given in', () => {
    expect(parseMeetingTime('2026-11-26T10:00:00+01:00')).toEqual({
      startMs: Date.UTC(2026, 10, 26, 9, 0),
      normalized: '2026-11-26T10:00:00+01:00',
    });
    expect(parseMeetingTime('2026-11-26T10:00+0530')).toEqual({
      startMs: Date.UTC(2026, 10, 26, 4, 30),
      normalized: '2026-11-26T10:00:00+05:30',
    });
    expect(parseMeetingTime('2026-11-26T10:00-03')).toEqual({
      startMs: Date.UTC(2026, 10, 26, 13, 0),
      normalized: '2026-11-26T10:00:00-03:00',
    });
    expect(parseMeetingTime('2026-02-28T23:59:59.5Z')).toEqual({
      startMs: Date.UTC(2026, 1, 28, 23, 59, 59, 500),
      normalized: '2026-02-28T23:59:59.500Z',
    });
    // Microseconds (Python's isoformat) are cut to milliseconds.
    expect(parseMeetingTime('2028-02-29T08:15:00.123456+00:00')?.normalized).toBe(
      '2028-02-29T08:15:00.123+00:00',
    );
  });

  it.each([
    ['no offset', '2026-11-26T10:00'],
    ['month 13', '2026-13-01T10:00Z'],
    ['30 February', '2026-02-30T10:00Z'],
    ['29 February of a common year', '2026-02-29T10:00Z'],
    ['hour 24', '2026-11-26T24:00Z'],
    ['minute 60', '2026-11-26T10:60Z'],
    ['offset minutes 60', '2026-11-26T10:00+01:60'],
    ['offset past 18 hours', '2026-11-26T10:00+19:00'],
    ['a date alone', '2026-11-26'],
    ['a space for T', '2026-11-26 10:00Z'],
    ['words', 'tomorrow at ten'],
    ['empty', ''],
  ])('refuses %s', (_what, text) => {
    expect(parseMeetingTime(text)).toBeNull();
  });

  it('ends a meeting its duration after its start', () => {
    expect(meetingEndMs({ startMs: 1_000, durationMinutes: 2 })).toBe(121_000);
  });
});

describe('meeting payloads', () => {
  const meeting = {
    meetingId: 'standup',
    title: 'Daily standup ✓',
    startsAt: '2026-11-26T10:00:00+01:00',
    startMs: Date.UTC(2026, 10, 26, 9),
    durationMinutes: 30,
    createdBy: 'Ann',
    createdAtMs: 1795550400000,
  };

  it('round-trips every scheduler message', () => {
    const token = Buffer.alloc(16, 7);
    const meetings: ScheduledMeeting[] = [meeting, { ...meeting, meetingId: 'retro' }];
    const cases = [
      [MessageType.Meetings, { meetings }],
      [
        MessageType.MeetingCreate,
        {
          meetingId: 'standup',
          title: 'Daily',
          startsAt: meeting.startsAt,
          durationMinutes: 30,
          username: 'Ann',
        },
      ],
      [MessageType.MeetingDelete, { meetingId: 'standup', ownerToken: token }],
      [MessageType.MeetingSaved, { meeting, ownerToken: token }],
      [MessageType.MeetingDeleted, { meetingId: 'standup' }],
      [MessageType.MeetingReminder, { meeting, minutesBefore: 5, starting: false }],
    ] as const;
    for (const [type, payload] of cases) {
      expect(decodePayload(type, encodePayload(type, payload))).toEqual(payload);
    }
    expect(
      decodePayload(MessageType.MeetingsList, encodePayload(MessageType.MeetingsList, {})),
    ).toEqual({});
  });

  it('tells an absent update field from an empty or zero one', () => {
    const token = Buffer.alloc(16, 1);
    const untouched = decodePayload(
      MessageType.MeetingUpdate,
      encodePayload(MessageType.MeetingUpdate, { meetingId: 'm', ownerToken: token }),
    );
    expect(untouched).toEqual({ meetingId: 'm', ownerToken: token });
    const cleared = decodePayload(
      MessageType.MeetingUpdate,
      encodePayload(MessageType.MeetingUpdate, {
        meetingId: 'm',
        ownerToken: token,
        title: '',
        durationMinutes: 0,
      }),
    );
    expect(cleared).toEqual({ meetingId: 'm', ownerToken: token, title: '', durationMinutes: 0 });
    expect(cleared.startsAt).toBeUndefined();
  });
});
