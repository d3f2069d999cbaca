import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { GatewayServer, JoinedEvent, WelcomeEvent } from '@sapora/protocol/gateway';
import { GatewayClient } from './gateway/gateway-client';
import { describeReminder } from './state/schedule';
import { LoginView, type LoginValues } from './ui/login-view';
import { MeetingView } from './ui/meeting-view';
import { Toasts, type Toast } from './ui/toasts';

type Connection = 'connecting' | 'open' | 'lost';

/** Pause before reconnecting to the gateway, growing to this at most. */
const RECONNECT_MAX_MS = 5_000;

export function App() {
  const client = useMemo(() => new GatewayClient(), []);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [welcome, setWelcome] = useState<WelcomeEvent | null>(null);
  const [servers, setServers] = useState<GatewayServer[]>([]);
  const [joined, setJoined] = useState<JoinedEvent | null>(null);
  const [login, setLogin] = useState<LoginValues>({
    server: '',
    name: '',
    meeting: '',
    passcode: '',
  });
  const [notice, setNotice] = useState<string | null>(null);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const toastSerial = useRef(0);

  const toast = useCallback((text: string, kind: Toast['kind'] = 'info') => {
    const id = ++toastSerial.current;
    setToasts((list) => [...list.slice(-3), { id, text, kind }]);
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), 15_000);
  }, []);

  useEffect(() => {
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const connect = (): void =>
      client.connect((open) => {
        if (open) {
          attempt = 0;
          setConnection('open');
          return;
        }
        setConnection('lost');
        setJoined((was) => {
          if (was !== null)
            setNotice(
              'The connection to the gateway was lost, and with it your place in the meeting. Join again.',
            );
          return null;
        });
        if (stopped) return;
        const delay = Math.min(RECONNECT_MAX_MS, 250 * 2 ** attempt++);
        timer = setTimeout(connect, delay);
      });
    const offs = [
      client.on('welcome', (event) => {
        setWelcome(event);
        setServers(event.servers);
      }),
      client.on('servers', (event) => setServers(event.servers)),
      client.on('reminder', (event) =>
        toast(describeReminder(event.meeting, event.minutesBefore, event.starting), 'reminder'),
      ),
      client.on('left', (event) => {
        setJoined(null);
        if (event.byServer) setNotice(`You were disconnected: ${event.reason}`);
      }),
      client.on('error', (event) => toast(event.message, 'error')),
    ];
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      offs.forEach((off) => off());
      client.close();
    };
  }, [client, toast]);

  const onJoined = (event: JoinedEvent, values: LoginValues): void => {
    setLogin({ ...values, passcode: '' });
    setNotice(null);
    setJoined(event);
  };

  return (
    <div class="app">
      {connection !== 'open' && (
        <div class="banner" role="status">
          {connection === 'connecting'
            ? 'Connecting to the gateway…'
            : 'Lost the connection to the gateway. Reconnecting…'}
        </div>
      )}
      {joined === null ? (
        <LoginView
          client={client}
          welcome={welcome}
          servers={servers}
          ready={connection === 'open' && welcome !== null}
          initial={login}
          notice={notice}
          onJoined={onJoined}
        />
      ) : (
        <MeetingView client={client} joined={joined} toast={toast} onLeft={() => setJoined(null)} />
      )}
      <Toasts
        toasts={toasts}
        onDismiss={(id) => setToasts((list) => list.filter((t) => t.id !== id))}
      />
    </div>
  );
}
