import { ScheduledMeeting } from '@sapora/client';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** An instant in this machine's time zone, e.g. "Thu 2026-11-26 10:00". */
export function localTime(ms: number): string {
  const time = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const date = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
  return `${WEEKDAYS[time.getDay()]} ${date} ${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

/** The schedule as aligned lines: when (local time), how long, id, title, who, and status. */
export function formatMeetings(
  meetings: ScheduledMeeting[],
  owned: Set<string>,
  nowMs: number = Date.now(),
): string {
  if (meetings.length === 0) return 'No meetings scheduled.';
  const idWidth = Math.max(...meetings.map((m) => m.meetingId.length));
  const durationWidth = Math.max(...meetings.map((m) => String(m.durationMinutes).length));
  const lines = meetings.map((m) => {
    const tags = [m.startMs <= nowMs ? 'in progress' : '', owned.has(m.meetingId) ? 'yours' : '']
      .filter(Boolean)
      .join(', ');
    const duration = `${String(m.durationMinutes).padStart(durationWidth)} min`;
    return `  ${localTime(m.startMs)}  ${duration}  ${m.meetingId.padEnd(idWidth)}  ${m.title}  (by ${m.createdBy})${tags ? ` [${tags}]` : ''}`;
  });
  const count = meetings.length === 1 ? '1 meeting' : `${meetings.length} meetings`;
  return [`${count}, times local to this machine:`, ...lines].join('\n');
}

/** One meeting in a sentence, for what add and edit print. */
export function describeMeeting(meeting: ScheduledMeeting): string {
  return `"${meeting.meetingId}" (${meeting.title}): ${localTime(meeting.startMs)} local time (${meeting.startsAt}), ${meeting.durationMinutes} min`;
}
