import { useEffect, useRef, useState } from 'preact/hooks';
import type { GatewayServer, WebMeeting, WelcomeEvent } from '@sapora/protocol/gateway';
import type { JoinedEvent } from '@sapora/protocol/gateway';
import { GatewayClient, GatewayRequestError } from '../gateway/gateway-client';
import { describeStart, isRunning } from '../state/schedule';

export interface LoginValues {
  server: string;
  name: string;
  meeting: string;
  passcode: string;
}

type Field = keyof LoginValues;
type Errors = Partial<Record<Field | 'form', string>>;

const OTHER_SERVER = '__other__';

interface Props {
  client: GatewayClient;
  welcome: WelcomeEvent | null;
  servers: GatewayServer[];
  ready: boolean;
  initial: LoginValues;
  notice: string | null;
  onJoined: (event: JoinedEvent, values: LoginValues) => void;
}

/** Server, name, meeting (typed or picked from the schedule) and passcode; errors beside their field. */
export function LoginView({ client, welcome, servers, ready, initial, notice, onJoined }: Props) {
  const [values, setValues] = useState<LoginValues>(initial);
  const [choice, setChoice] = useState<string>(initial.server);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [meetings, setMeetings] = useState<WebMeeting[] | null>(null);
  const [scheduleError, setScheduleError] = useState<string | null>(null);
  const nameInput = useRef<HTMLInputElement>(null);

  // Preselect the gateway's own server (or the first one heard) once the list is known.
  const known = servers.map((server) => server.address);
  const server = choice === OTHER_SERVER ? values.server : choice;
  useEffect(() => {
    if (
      choice === '' ||
      (choice !== OTHER_SERVER && !known.includes(choice) && !welcome?.anyServer)
    ) {
      const preset = welcome?.server?.address ?? servers[0]?.address ?? '';
      if (preset !== '') setChoice(preset);
      else if (welcome?.anyServer) setChoice(OTHER_SERVER);
    }
  }, [welcome, servers]);

  useEffect(() => nameInput.current?.focus(), []);

  // The schedule of the chosen server, to pick a meeting from.
  useEffect(() => {
    if (!ready || server === '') return;
    let current = true;
    setScheduleError(null);
    client.request({ type: 'meetings-list', server }, 'meetings').then(
      (event) => current && setMeetings(event.meetings),
      (error: Error) => {
        if (!current) return;
        setMeetings(null);
        setScheduleError(error.message);
      },
    );
    return () => {
      current = false;
    };
  }, [client, ready, server]);

  const set = (field: Field) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined, form: undefined }));
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (values.name.trim() === '') {
      setErrors({ name: 'Type the name others will see.' });
      nameInput.current?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const joined = await client.request(
        {
          type: 'join',
          server,
          name: values.name.trim(),
          meeting: values.meeting.trim(),
          passcode: values.passcode,
        },
        'joined',
      );
      onJoined(joined, { ...values, server });
    } catch (error) {
      const refused = error as GatewayRequestError;
      const field = (refused.field as Field | undefined) ?? 'form';
      setErrors({ [field]: refused.message });
      document.getElementById(`login-${field}`)?.focus();
    } finally {
      setBusy(false);
    }
  };

  const showPicker = servers.length > 1 || welcome?.anyServer === true;
  const now = Date.now();
  return (
    <main class="login">
      <form
        class="login-card"
        onSubmit={(e) => void submit(e)}
        aria-labelledby="login-title"
        noValidate
      >
        <header class="login-head">
          <img src="/sapora.svg" alt="" width="40" height="40" />
          <div>
            <h1 id="login-title">Join a meeting</h1>
            <p class="muted">Sapora · conferencing on your local network</p>
          </div>
        </header>
        {notice !== null && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}

        <div class="field">
          <label for="login-server">Server</label>
          {showPicker ? (
            <select
              id="login-server"
              value={choice}
              onChange={(e) => setChoice(e.currentTarget.value)}
            >
              {servers.map((s) => (
                <option key={s.address} value={s.address}>
                  {s.name} ({s.address}){s.source === 'discovered' ? ' · on the LAN' : ''}
                </option>
              ))}
              {welcome?.anyServer === true && <option value={OTHER_SERVER}>Another server…</option>}
            </select>
          ) : (
            <output id="login-server" class="fixed-value">
              {welcome?.server === null || welcome === null
                ? 'no server configured'
                : `${welcome.server.name} (${welcome.server.address})`}
            </output>
          )}
          {choice === OTHER_SERVER && (
            <input
              id="login-server-address"
              aria-label="Server address"
              placeholder="host or host:port, e.g. 192.168.1.10"
              value={values.server}
              onInput={set('server')}
            />
          )}
          {errors.server && (
            <p class="field-error" role="alert">
              {errors.server}
            </p>
          )}
        </div>

        <div class="field">
          <label for="login-name">Your name</label>
          <input
            id="login-name"
            ref={nameInput}
            value={values.name}
            onInput={set('name')}
            maxLength={32}
            autoComplete="nickname"
            aria-invalid={errors.name !== undefined}
            aria-describedby={errors.name ? 'login-name-error' : undefined}
          />
          {errors.name && (
            <p id="login-name-error" class="field-error" role="alert">
              {errors.name}
            </p>
          )}
        </div>

        <div class="field">
          <label for="login-meeting">Meeting</label>
          <input
            id="login-meeting"
            value={values.meeting}
            onInput={set('meeting')}
            placeholder="default"
            maxLength={64}
            list="login-meeting-schedule"
            aria-invalid={errors.meeting !== undefined}
          />
          <datalist id="login-meeting-schedule">
            {(meetings ?? []).map((m) => (
              <option key={m.meetingId} value={m.meetingId}>
                {m.title}
              </option>
            ))}
          </datalist>
          {errors.meeting && (
            <p class="field-error" role="alert">
              {errors.meeting}
            </p>
          )}
          <div class="schedule-picks" aria-label="Scheduled meetings">
            {scheduleError !== null && <p class="muted">Schedule unavailable: {scheduleError}</p>}
            {meetings !== null && meetings.length === 0 && (
              <p class="muted">No meetings scheduled. Leave blank for “default”.</p>
            )}
            {(meetings ?? []).slice(0, 5).map((m) => (
              <button
                type="button"
                key={m.meetingId}
                class={`pick ${values.meeting === m.meetingId ? 'picked' : ''}`}
                onClick={() => setValues((v) => ({ ...v, meeting: m.meetingId }))}
              >
                <strong>{m.title}</strong>
                <span>
                  {isRunning(m, now) ? 'now' : describeStart(m.startMs, now)} · {m.durationMinutes}{' '}
                  min · {m.meetingId}
                </span>
              </button>
            ))}
          </div>
        </div>

        <div class="field">
          <label for="login-passcode">
            Passcode <span class="muted">(if the meeting has one)</span>
          </label>
          <input
            id="login-passcode"
            type="password"
            value={values.passcode}
            onInput={set('passcode')}
            autoComplete="off"
            aria-invalid={errors.passcode !== undefined}
          />
          {errors.passcode && (
            <p class="field-error" role="alert">
              {errors.passcode}
            </p>
          )}
        </div>

        {errors.form && (
          <p class="field-error" role="alert">
            {errors.form}
          </p>
        )}
        <button id="login-join" class="primary" type="submit" disabled={!ready || busy}>
          {busy ? 'Joining…' : 'Join'}
        </button>
      </form>
    </main>
  );
}
