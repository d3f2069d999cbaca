import type { JSX } from 'preact';
import {
  CalendarIcon,
  CameraIcon,
  ChatIcon,
  FileIcon,
  LeaveIcon,
  MicIcon,
  MicOffIcon,
  PeopleIcon,
  ScreenIcon,
} from './icons';

export type Panel = 'people' | 'chat' | 'files' | 'schedule';

interface Props {
  panel: Panel | null;
  unread: number;
  newFiles: number;
  people: number;
  media: { mic: boolean; camera: boolean; sharing: boolean };
  /** A media switch waiting for the browser or the gateway. */
  busy: MediaSwitch | null;
  onMedia: (which: MediaSwitch) => void;
  onToggle: (panel: Panel) => void;
  onLeave: () => void;
}

export type MediaSwitch = 'mic' | 'camera' | 'share';

/** Mic, camera and share: on or off, with what pressing it will do as its title. */
function MediaButton({
  which,
  on,
  busy,
  label,
  icon,
  title,
  onMedia,
}: {
  which: MediaSwitch;
  on: boolean;
  busy: boolean;
  label: string;
  icon: JSX.Element;
  title: string;
  onMedia: (which: MediaSwitch) => void;
}) {
  return (
    <button
      class={`control ${on ? 'active' : which === 'mic' ? 'off' : ''}`}
      aria-pressed={on}
      aria-busy={busy}
      disabled={busy}
      data-media={which}
      title={title}
      onClick={() => onMedia(which)}
    >
      {icon}
      <span>{label}</span>
    </button>
  );
}

function Toggle({
  panel,
  current,
  label,
  icon,
  badge,
  onToggle,
}: {
  panel: Panel;
  current: Panel | null;
  label: string;
  icon: JSX.Element;
  badge?: number;
  onToggle: (panel: Panel) => void;
}) {
  const open = current === panel;
  return (
    <button
      class={`control ${open ? 'active' : ''}`}
      aria-pressed={open}
      onClick={() => onToggle(panel)}
      title={`${open ? 'Hide' : 'Show'} ${label.toLowerCase()}`}
      data-panel={panel}
    >
      {icon}
      <span>{label}</span>
      {badge !== undefined && badge > 0 && (
        <span class="badge" aria-label={`${badge} new`}>
          {badge}
        </span>
      )}
    </button>
  );
}

export function ControlBar({
  panel,
  unread,
  newFiles,
  people,
  media,
  busy,
  onMedia,
  onToggle,
  onLeave,
}: Props) {
  return (
    <nav class="control-bar" aria-label="Meeting controls">
      <div class="control-group">
        <MediaButton
          which="mic"
          on={media.mic}
          busy={busy === 'mic'}
          label={media.mic ? 'Mute' : 'Unmute'}
          icon={media.mic ? <MicIcon /> : <MicOffIcon />}
          title={media.mic ? 'Mute your microphone' : 'Turn your microphone on'}
          onMedia={onMedia}
        />
        <MediaButton
          which="camera"
          on={media.camera}
          busy={busy === 'camera'}
          label={media.camera ? 'Stop video' : 'Start video'}
          icon={<CameraIcon />}
          title={media.camera ? 'Turn your camera off' : 'Turn your camera on'}
          onMedia={onMedia}
        />
        <MediaButton
          which="share"
          on={media.sharing}
          busy={busy === 'share'}
          label={media.sharing ? 'Stop sharing' : 'Share screen'}
          icon={<ScreenIcon />}
          title={media.sharing ? 'Stop sharing your screen' : 'Share a screen, window or tab'}
          onMedia={onMedia}
        />
      </div>
      <div class="control-group">
        <Toggle
          panel="people"
          current={panel}
          label={`People (${people})`}
          icon={<PeopleIcon />}
          onToggle={onToggle}
        />
        <Toggle
          panel="chat"
          current={panel}
          label="Chat"
          icon={<ChatIcon />}
          badge={unread}
          onToggle={onToggle}
        />
        <Toggle
          panel="files"
          current={panel}
          label="Files"
          icon={<FileIcon />}
          badge={newFiles}
          onToggle={onToggle}
        />
        <Toggle
          panel="schedule"
          current={panel}
          label="Schedule"
          icon={<CalendarIcon />}
          onToggle={onToggle}
        />
      </div>
      <button class="control leave" onClick={onLeave} title="Leave the meeting">
        <LeaveIcon />
        <span>Leave</span>
      </button>
    </nav>
  );
}
