import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { WebMeeting } from '@sapora/protocol/gateway';
import { GatewayClient, GatewayRequestError } from '../gateway/gateway-client';
import { ownerTokens } from '../state/owner-tokens';
import {
  describeStart,
  isRunning,
  localOffsetAt,
  toLocalInput,
  withOffset,
} from '../state/schedule';

interface Props {
  client: GatewayClient;
  server: string;
  name: string;
  visible: boolean;
}

interface Draft {
  meetingId: string;
  title: string;
  start: string;
  duration: string;
}

type Errors = Partial<Record<keyof Draft | 'form', string>>;

const FIELD_OF: Record<string, keyof Draft> = {
  meetingId: 'meetingId',
  title: 'title',
  startsAt: 'start',
  durationMinutes: 'duration',
};

function blankDraft(): Draft {
  const start = new Date(Date.now() + 60 * 60_000);
  start.setMinutes(0, 0, 0);
  return { meetingId: '', title: '', start: toLocalInput(start.getTime()), duration: '30' };
}

/** The server's schedule: list, add, edit and delete (the server lets only the creator change one). */
export function SchedulePanel({ client, server, name, visible }: Props) {
  const [meetings, setMeetings] = useState<WebMeeting[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  // null: no form; "": adding; an id: editing that meeting.
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(blankDraft);
  const [errors, setErrors] = useState<Errors>({});
  const [rowError, setRowError] = useState<{ meetingId: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = (): void => {
    client.request({ type: 'meetings-list' }, 'meetings').then(
      (event) => {
        setMeetings(event.meetings);
        setLoadError(null);
      },
      (error: Error) => setLoadError(error.message),
    );
  };
  useEffect(() => {
    if (visible) load();
  }, [visible]);
  // A reminder means the schedule moved on: show it as it is now.
  useEffect(() => client.on('reminder', () => load()), [client]);

  const edit = (meeting: WebMeeting): void => {
    setEditing(meeting.meetingId);
    setErrors({});
    setDraft({
      meetingId: meeting.meetingId,
      title: meeting.title,
      start: toLocalInput(meeting.startMs),
      duration: String(meeting.durationMinutes),
    });
  };

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const duration = Number(draft.duration);
    const local = errorsOf(draft, duration);
    if (Object.keys(local).length > 0) {
      setErrors(local);
      return;
    }
    const startsAt = withOffset(draft.start, localOffsetAt(draft.start));
    setBusy(true);
    try {
      if (editing === '') {
        const saved = await client.request(
          {
            type: 'meeting-create',
            meetingId: draft.meetingId.trim(),
            title: draft.title.trim(),
            startsAt,
            durationMinutes: duration,
            name,
          },
          'meeting-saved',
        );
        ownerTokens.set(server, saved.meeting.meetingId, saved.ownerToken);
      } else if (editing !== null) {
        // Only what changed: an unchanged start that has passed (a running meeting) stays valid.
        const before = meetings.find((m) => m.meetingId === editing);
        const changed = {
          ...(draft.title.trim() === before?.title ? {} : { title: draft.title.trim() }),
          ...(before !== undefined && draft.start === toLocalInput(before.startMs)
            ? {}
            : { startsAt }),
          ...(duration === before?.durationMinutes ? {} : { durationMinutes: duration }),
        };
        if (Object.keys(changed).length > 0)
          await client.request(
            {
              type: 'meeting-update',
              meetingId: editing,
              ownerToken: ownerTokens.get(server, editing) ?? '',
              ...changed,
            },
            'meeting-saved',
          );
      }
      setEditing(null);
      setErrors({});
      load();
    } catch (error) {
      const refused = error as GatewayRequestError;
      const field = refused.field === undefined ? 'form' : (FIELD_OF[refused.field] ?? 'form');
      setErrors({ [field]: refused.message });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (meeting: WebMeeting): Promise<void> => {
    setRowError(null);
    try {
      await client.request(
        {
          type: 'meeting-delete',
          meetingId: meeting.meetingId,
          ownerToken: ownerTokens.get(server, meeting.meetingId) ?? '',
        },
        'meeting-deleted',
      );
      ownerTokens.remove(server, meeting.meetingId);
      load();
    } catch (error) {
      setRowError({ meetingId: meeting.meetingId, message: (error as Error).message });
    }
  };

  const now = Date.now();
  return (
    <div class="schedule">
      {loadError !== null && (
        <p class="field-error" role="alert">
          {loadError}
        </p>
      )}
      {meetings.length === 0 && loadError === null && <p class="muted">No meetings scheduled.</p>}
      <ul class="meetings">
        {meetings.map((m) => (
          <li key={m.meetingId} data-meeting={m.meetingId}>
            <div class="meeting-line">
              <strong>{m.title}</strong>
              {ownerTokens.get(server, m.meetingId) !== undefined && (
                <span class="pill">yours</span>
              )}
              {isRunning(m, now) && <span class="pill live">now</span>}
            </div>
            <span class="muted">
              {describeStart(m.startMs, now)} · {m.durationMinutes} min · {m.meetingId} · by{' '}
              {m.createdBy}
            </span>
            <div class="row-actions">
              <button class="link" type="button" onClick={() => edit(m)}>
                Edit
              </button>
              <button class="link danger" type="button" onClick={() => void remove(m)}>
                Delete
              </button>
            </div>
            {rowError?.meetingId === m.meetingId && (
              <p class="field-error" role="alert">
                {rowError.message}
              </p>
            )}
          </li>
        ))}
      </ul>

      {editing === null ? (
        <button
          class="secondary"
          type="button"
          onClick={() => {
            setEditing('');
            setErrors({});
            setDraft(blankDraft());
          }}
        >
          Schedule a meeting
        </button>
      ) : (
        <form class="meeting-form" onSubmit={(e) => void save(e)} noValidate>
          <h3>{editing === '' ? 'New meeting' : `Change “${editing}”`}</h3>
          {editing === '' && (
            <Field label="Meeting id (people join with it)" error={errors.meetingId}>
              <input
                id="meeting-id"
                value={draft.meetingId}
                onInput={(e) => setDraft({ ...draft, meetingId: e.currentTarget.value })}
                placeholder="standup"
                maxLength={64}
              />
            </Field>
          )}
          <Field label="Title" error={errors.title}>
            <input
              id="meeting-title"
              value={draft.title}
              onInput={(e) => setDraft({ ...draft, title: e.currentTarget.value })}
              maxLength={200}
            />
          </Field>
          <div class="form-row">
            <Field label="Starts (your time)" error={errors.start}>
              <input
                id="meeting-start"
                type="datetime-local"
                value={draft.start}
                onInput={(e) => setDraft({ ...draft, start: e.currentTarget.value })}
              />
            </Field>
            <Field label="Minutes" error={errors.duration}>
              <input
                id="meeting-duration"
                type="number"
                min={1}
                max={1440}
                value={draft.duration}
                onInput={(e) => setDraft({ ...draft, duration: e.currentTarget.value })}
              />
            </Field>
          </div>
          {errors.form && (
            <p class="field-error" role="alert">
              {errors.form}
            </p>
          )}
          <div class="compose-row">
            <button class="primary" type="submit" disabled={busy}>
              {editing === '' ? 'Schedule' : 'Save'}
            </button>
            <button class="secondary" type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function errorsOf(draft: Draft, duration: number): Errors {
  const errors: Errors = {};
  if (draft.meetingId.trim() === '') errors.meetingId = 'Give the meeting an id.';
  if (draft.title.trim() === '') errors.title = 'Give the meeting a title.';
  if (draft.start === '') errors.start = 'Choose when it starts.';
  if (!Number.isInteger(duration) || duration < 1) errors.duration = 'Whole minutes, at least 1.';
  return errors;
}

function Field({
  label,
  error,
  children,
}: {
  label: string;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {error !== undefined && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}
