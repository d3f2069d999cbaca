import type { WebMeeting } from '@sapora/protocol/gateway';

const pad = (value: number): string => String(value).padStart(2, '0');

/**
 * A time from a datetime-local field ("2026-11-26T10:00") with the offset the person's clock
 * has at that date, as the scheduler wants it: "2026-11-26T10:00+01:00". The server refuses
 * times without an offset rather than guess the zone.
 */
export function withOffset(local: string, offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMinutes);
  return `${local}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The offset (minutes east of UTC) of this browser's zone at a datetime-local value. */
export function localOffsetAt(local: string): number {
  return -new Date(local).getTimezoneOffset();
}

/** A start time as a datetime-local value in this browser's zone, to edit it. */
export function toLocalInput(startMs: number): string {
  const d = new Date(startMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function dayNumber(ms: number): number {
  const d = new Date(ms);
  return Math.round(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / DAY_MS);
}

/** "today 10:00", "tomorrow 09:30" or "Thu 26 Nov 10:00", in this browser's zone. */
export function describeStart(startMs: number, nowMs: number): string {
  const d = new Date(startMs);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const days = dayNumber(startMs) - dayNumber(nowMs);
  if (days === 0) return `today ${time}`;
  if (days === 1) return `tomorrow ${time}`;
  const weekday = d.toLocaleDateString('en-GB', { weekday: 'short' });
  const date = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
  return `${weekday} ${date} ${time}`;
}

/** Whether a meeting is running now. */
export function isRunning(meeting: WebMeeting, nowMs: number): boolean {
  return meeting.startMs <= nowMs && nowMs < meeting.startMs + meeting.durationMinutes * 60_000;
}

/** The words of a reminder toast. */
export function describeReminder(
  meeting: WebMeeting,
  minutesBefore: number,
  starting: boolean,
): string {
  const title = `${meeting.title} (${meeting.meetingId})`;
  if (starting) return `${title} starts now`;
  return `${title} starts in ${minutesBefore} minute${minutesBefore === 1 ? '' : 's'}`;
}
