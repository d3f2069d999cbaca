/** Limits of the meeting scheduler, shared by the server's checks and clients' help texts. */
export const MEETING_TITLE_MAX_LENGTH = 200;
export const MEETING_DURATION_MAX_MINUTES = 24 * 60;
/** Keeps a MEETINGS answer (about 1.1 KiB per meeting at most) within its 2 MiB frame. */
export const MEETINGS_MAX_SCHEDULED = 1000;
/** How far ahead a meeting may start: a LAN schedule, not a calendar for the decades. */
export const MEETING_HORIZON_DAYS = 366;
/** The random owner token a create hands back; only its SHA-256 is stored. */
export const OWNER_TOKEN_BYTES = 16;

export interface MeetingTime {
  startMs: number;
  /** The same instant as YYYY-MM-DDTHH:MM:SS[.mmm] with the offset it was given in. */
  normalized: string;
}

// Calendar date, T, local time (seconds and fraction optional), then Z or an offset.
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)$/;

const MAX_OFFSET_MINUTES = 18 * 60;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads an ISO 8601 date-time that carries its offset ("2026-11-26T10:00+01:00", "...Z").
 * A time without an offset is refused (null) rather than guessed: the server's zone is not
 * the creator's. The creator's offset is kept in `normalized`, so everyone sees their wording.
 */
export function parseMeetingTime(text: string): MeetingTime | null {
  const match = ISO_WITH_OFFSET.exec(text);
  if (match === null) return null;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  const millisecond = match[7] === undefined ? 0 : Number(match[7].padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offset = 'Z';
  let offsetMinutes = 0;
  if (match[8] === undefined) {
    const hours = Number(match[10]);
    const minutes = match[11] === undefined ? 0 : Number(match[11]);
    if (minutes > 59) return null;
    offsetMinutes = (match[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
    if (Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) return null;
    offset = `${match[9]}${pad(hours)}:${pad(minutes)}`;
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const fraction = millisecond === 0 ? '' : `.${pad(millisecond, 3)}`;
  return {
    startMs: local - offsetMinutes * 60_000,
    normalized: `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}${offset}`,
  };
}

/** When a meeting of this start and length is over. */
export function meetingEndMs(meeting: { startMs: number; durationMinutes: number }): number {
  return meeting.startMs + meeting.durationMinutes * 60_000;
}
