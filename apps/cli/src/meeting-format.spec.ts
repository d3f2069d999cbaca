import { ScheduledMeeting } from '@sapora/client';
import { describeMeeting, formatMeetings, localTime } from './meeting-format';

describe('meeting format', () => {
  const at = (y: number, mo: number, d: number, h: number, mi: number) =>
    new Date(y, mo - 1, d, h, mi).getTime();
  const meeting = (meetingId: string, startMs: number, durationMinutes: number) =>
    ({
      meetingId,
      title: `About ${meetingId}`,
      startsAt: '2026-11-26T10:00:00+01:00',
      startMs,
      durationMinutes,
      createdBy: 'Ann',
      createdAtMs: 0,
    }) satisfies ScheduledMeeting;

  it('writes times in local time with the weekday', () => {
    expect(localTime(at(2026, 11, 26, 9, 5))).toBe('Thu 2026-11-26 09:05');
  });

  it('lines up the schedule and marks running and own meetings', () => {
    const now = at(2026, 11, 26, 9, 30);
    const text = formatMeetings(
      [
        meeting('standup', at(2026, 11, 26, 9, 0), 45),
        meeting('all-hands', at(2026, 11, 27, 14, 0), 120),
      ],
      new Set(['all-hands']),
      now,
    );
    expect(text.split('\n')).toEqual([
      '2 meetings, times local to this machine:',
      '  Thu 2026-11-26 09:00   45 min  standup    About standup  (by Ann) [in progress]',
      '  Fri 2026-11-27 14:00  120 min  all-hands  About all-hands  (by Ann) [yours]',
    ]);
    expect(formatMeetings([], new Set())).toBe('No meetings scheduled.');
  });

  it('describes one meeting with its original wording of the time', () => {
    expect(describeMeeting(meeting('standup', at(2026, 11, 26, 9, 0), 30))).toBe(
      '"standup" (About standup): Thu 2026-11-26 09:00 local time (2026-11-26T10:00:00+01:00), 30 min',
    );
  });
});
