import type { WebMeeting } from '@sapora/protocol/gateway';
import { describeReminder, describeStart, isRunning, toLocalInput, withOffset } from './schedule';

describe('schedule helpers', () => {
  it('adds the offset the scheduler needs', () => {
    expect(withOffset('2026-11-26T10:00', 60)).toBe('2026-11-26T10:00+01:00');
    expect(withOffset('2026-11-26T10:00', -330)).toBe('2026-11-26T10:00-05:30');
    expect(withOffset('2026-11-26T10:00', 0)).toBe('2026-11-26T10:00+00:00');
  });

  it('describes a start relative to today, in local time', () => {
    const now = new Date(2026, 10, 26, 8, 0).getTime();
    expect(describeStart(new Date(2026, 10, 26, 10, 5).getTime(), now)).toBe('today 10:05');
    expect(describeStart(new Date(2026, 10, 27, 9, 30).getTime(), now)).toBe('tomorrow 09:30');
    expect(describeStart(new Date(2026, 11, 3, 14, 0).getTime(), now)).toBe('Thu 3 Dec 14:00');
    expect(toLocalInput(new Date(2026, 0, 2, 3, 4).getTime())).toBe('2026-01-02T03:04');
  });

  it('knows when a meeting runs and words its reminders', () => {
    const meeting: WebMeeting = {
      meetingId: 'standup',
      title: 'Standup',
      startsAt: '2026-11-26T10:00:00Z',
      startMs: 1_000_000,
      durationMinutes: 15,
      createdBy: 'Ann',
    };
    expect(isRunning(meeting, 999_999)).toBe(false);
    expect(isRunning(meeting, 1_000_000)).toBe(true);
    expect(isRunning(meeting, 1_000_000 + 15 * 60_000)).toBe(false);
    expect(describeReminder(meeting, 5, false)).toBe('Standup (standup) starts in 5 minutes');
    expect(describeReminder(meeting, 1, false)).toBe('Standup (standup) starts in 1 minute');
    expect(describeReminder(meeting, 0, true)).toBe('Standup (standup) starts now');
  });
});
