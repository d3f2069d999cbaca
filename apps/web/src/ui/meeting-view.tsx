import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type {
  JoinedEvent,
  ScreenEvent,
  WebFileNotice,
  WebParticipant,
} from '@sapora/protocol/gateway';
import { GatewayClient } from '../gateway/gateway-client';
import { MediaEngine, type MediaState } from '../media/media-engine';
import {
  chatDelivered,
  chatFailed,
  chatLogFromHistory,
  chatRead,
  chatReceived,
  chatSending,
  type ChatLog,
} from '../state/chat-log';
import { inJoinOrder } from '../state/participants';
import { HostStrip, useHostView } from '../host/host-strip';
import { ChatPanel } from './chat-panel';
import { ControlBar, type MediaSwitch, type Panel } from './control-bar';
import { CloseIcon } from './icons';
import { FilesPanel } from './files-panel';
import { ParticipantGrid } from './participant-grid';
import { PeoplePanel } from './people-panel';
import { SchedulePanel } from './schedule-panel';
import { ScreenStage } from './screen-stage';
import type { Toast } from './toasts';

interface Props {
  client: GatewayClient;
  joined: JoinedEvent;
  toast: (text: string, kind?: Toast['kind']) => void;
  onLeft: () => void;
}

const PANEL_TITLES: Record<Panel, string> = {
  people: 'People',
  chat: 'Chat',
  files: 'Files',
  schedule: 'Schedule',
};

/** What to tell the person when a microphone, camera or screen could not be used. */
function mediaProblem(which: MediaSwitch, error: Error): string {
  const device = which === 'mic' ? 'microphone' : which === 'camera' ? 'camera' : 'screen';
  if (error.name === 'NotAllowedError')
    return `The browser did not allow the ${device}: allow it in the address bar and try again.`;
  if (error.name === 'NotFoundError') return `No ${device} was found.`;
  if (error.name === 'NotReadableError')
    return `The ${device} is in use by another program, or cannot be read.`;
  return error.message;
}

/** The meeting: the stage (grid or shared screen), a side panel, and the control bar. */
export function MeetingView({ client, joined, toast, onLeft }: Props) {
  const me = { id: joined.participantId, name: joined.name };
  const [participants, setParticipants] = useState<WebParticipant[]>(
    () => client.latest('participants')?.participants ?? joined.participants,
  );
  const [panel, setPanel] = useState<Panel | null>('chat');
  const [chat, setChat] = useState<ChatLog>(() => chatLogFromHistory(joined.history, me.id));
  const [files, setFiles] = useState<WebFileNotice[]>(joined.files);
  const [newFiles, setNewFiles] = useState(0);
  const [screen, setScreen] = useState<ScreenEvent | null>(() => {
    const since = client.latest('screen');
    return since?.presenting === true ? since : null;
  });
  const [dropped, setDropped] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const [reconnecting, setReconnecting] = useState(false);
  const engine = useMemo(
    () =>
      new MediaEngine(client, joined.audio, {
        // Tests switch the browser's echo cancellation, noise suppression and gain control off
        // (a test tone would fade); people keep them on.
        audioProcessing: new URLSearchParams(location.search).get('audio-processing') !== 'off',
      }),
    [client, joined],
  );
  const [media, setMedia] = useState<MediaState>(engine.state);
  const [busy, setBusy] = useState<MediaSwitch | null>(null);
  const [speakingId, setSpeakingId] = useState<string | null>(
    () => client.latest('speaking')?.participantId ?? null,
  );

  useEffect(() => {
    const off = engine.subscribe(setMedia);
    // The room's mix plays from the start (joining was the gesture browsers ask for).
    engine.start().catch((error: Error) => toast(`No sound: ${error.message}`, 'error'));
    // Diagnostics: the browser tests read the playback and the counters through this.
    (window as unknown as { saporaMedia?: MediaEngine }).saporaMedia = engine;
    return () => {
      off();
      engine.close();
    };
  }, [engine]);

  useEffect(() => {
    engine.setParticipants(participants.map((p) => p.participantId).filter((id) => id !== me.id));
  }, [engine, participants]);

  const host = useHostView(client);

  const panelOpen = (which: Panel): boolean => panel === which;
  // Read by the chat listener, which outlives any one render's `panel`.
  const chatOpen = useRef(true);
  chatOpen.current = panel === 'chat';

  useEffect(() => {
    // What came between `joined` and this effect (someone muted or left) is not missed.
    const since = client.latest('participants');
    if (since !== undefined) setParticipants(since.participants);
    const shared = client.latest('screen');
    if (shared !== undefined) setScreen(shared.presenting ? shared : null);
    const speaking = client.latest('speaking');
    if (speaking !== undefined) setSpeakingId(speaking.participantId);
    const offs = [
      client.on('participants', (event) => setParticipants(event.participants)),
      client.on('chat', (event) =>
        setChat((log) => chatReceived(log, event.message, me.id, chatOpen.current)),
      ),
      client.on('file', (event) => {
        setFiles((list) => [...list, event.file]);
        setNewFiles((n) => n + 1);
        toast(`${event.file.sender} sent you ${event.file.name}`, 'info');
      }),
      client.on('screen', (event) => setScreen(event.presenting ? event : null)),
      client.on('connection', (event) => setReconnecting(event.state === 'reconnecting')),
      client.on('speaking', (event) => setSpeakingId(event.participantId)),
      client.on('media', (event) => {
        if (!event.sharing) engine.shareEnded();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client]);

  useEffect(() => {
    if (panel === 'chat') setChat(chatRead);
    if (panel === 'files') setNewFiles(0);
  }, [panel]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape' && panel !== null) setPanel(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [panel]);

  const sendChat = (to: string, text: string): void => {
    const { id, answer } = client.begin({ type: 'chat', to, text }, 'delivery');
    setChat((log) => chatSending(log, id, me, to, text, Date.now()));
    answer.then(
      (report) => setChat((log) => chatDelivered(log, id, report)),
      (error: Error) => setChat((log) => chatFailed(log, id, error.message)),
    );
  };

  const leave = (): void => {
    client.request({ type: 'leave' }, 'left').then(onLeft, onLeft);
  };

  const toggle = (which: Panel): void => setPanel((open) => (open === which ? null : which));

  const switchMedia = (which: MediaSwitch): void => {
    setBusy(which);
    const change =
      which === 'mic'
        ? engine.setMic(!media.mic)
        : which === 'camera'
          ? engine.setCamera(!media.camera)
          : media.sharing
            ? engine.stopShare()
            : engine.startShare();
    change
      .catch((error: Error) => {
        // Picking no screen in the browser's dialog is no error.
        if (error.name !== 'NotAllowedError' || which !== 'share')
          toast(mediaProblem(which, error), 'error');
      })
      .finally(() => setBusy(null));
  };

  const ordered = inJoinOrder(participants);
  const others = ordered.filter((p) => p.participantId !== me.id);

  return (
    <div
      class={`meeting ${panel === null ? '' : 'with-panel'} ${dragging ? 'dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.relatedTarget === null) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const file = e.dataTransfer?.files[0];
        if (file !== undefined) {
          setDropped(file);
          setPanel('files');
        }
      }}
    >
      <header class="meeting-head">
        <img src="/sapora.svg" alt="" width="24" height="24" />
        <h1>
          {joined.meetingId}
          <span class="muted">
            {' '}
            · {participants.length} {participants.length === 1 ? 'person' : 'people'} ·{' '}
            {joined.server}
          </span>
        </h1>
        {reconnecting && (
          <span class="pill warn" role="status">
            Reconnecting to the server…
          </span>
        )}
        <HostStrip client={client} view={host} myId={me.id} participants={ordered} toast={toast} />
      </header>

      <main class="stage" aria-label={screen === null ? 'Participants' : 'Shared screen'}>
        {screen === null && media.shareStream === null ? (
          <ParticipantGrid
            participants={ordered}
            myId={me.id}
            engine={engine}
            media={media}
            speakingId={speakingId}
          />
        ) : (
          <ScreenStage
            client={client}
            presenter={screen?.presenter ?? me.name}
            preview={media.shareStream}
            onStop={() => switchMedia('share')}
          />
        )}
      </main>

      {/* Panels stay mounted while hidden, so a transfer or a draft survives closing them. */}
      <aside
        class="side-panel"
        aria-label={panel === null ? undefined : PANEL_TITLES[panel]}
        hidden={panel === null}
      >
        <div class="panel-head">
          <h2>{panel === null ? '' : PANEL_TITLES[panel]}</h2>
          <button
            class="icon-button"
            onClick={() => setPanel(null)}
            aria-label="Close panel (Esc)"
            title="Close (Esc)"
          >
            <CloseIcon />
          </button>
        </div>
        <div class="panel-body" hidden={!panelOpen('people')}>
          <PeoplePanel participants={ordered} myId={me.id} />
        </div>
        <div class="panel-body" hidden={!panelOpen('chat')}>
          <ChatPanel log={chat} others={others} onSend={sendChat} visible={panelOpen('chat')} />
        </div>
        <div class="panel-body" hidden={!panelOpen('files')}>
          <FilesPanel
            client={client}
            files={files}
            others={others}
            dropped={dropped}
            onDroppedTaken={() => setDropped(null)}
          />
        </div>
        <div class="panel-body" hidden={!panelOpen('schedule')}>
          <SchedulePanel
            client={client}
            server={joined.server}
            name={joined.name}
            visible={panelOpen('schedule')}
          />
        </div>
      </aside>

      <ControlBar
        panel={panel}
        unread={chat.unread}
        newFiles={newFiles}
        people={participants.length}
        media={media}
        busy={busy}
        onMedia={switchMedia}
        onToggle={toggle}
        onLeave={leave}
      />
      {dragging && <div class="drop-hint">Drop the file to send it</div>}
    </div>
  );
}
