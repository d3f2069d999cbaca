import { useEffect, useRef, useState } from 'preact/hooks';
import type { WebFileNotice, WebParticipant } from '@sapora/protocol/gateway';
import { GatewayClient, type TransferProgress } from '../gateway/gateway-client';
import { formatBytes } from '../state/format';

interface Props {
  client: GatewayClient;
  files: WebFileNotice[];
  others: WebParticipant[];
  /** A file dropped on the page, to be sent. */
  dropped: File | null;
  onDroppedTaken: () => void;
}

interface Outgoing {
  key: number;
  name: string;
  size: number;
  to: string;
  transfer: number | null;
  progress: TransferProgress | null;
  state: 'sending' | 'sent' | 'failed';
  message: string;
}

interface Incoming {
  progress: TransferProgress | null;
  state: 'fetching' | 'saved' | 'failed';
  message: string;
  url?: string;
  name?: string;
}

/** Overall share done: the hop to (or from) the gateway and the hop to the file service are halves. */
function fraction(progress: TransferProgress | null, upload: boolean): number {
  if (progress === null || progress.total === 0) return 0;
  const part = progress.bytes / progress.total;
  const first = upload ? 'gateway' : 'server';
  return progress.stage === first ? part / 2 : 0.5 + part / 2;
}

function stageText(progress: TransferProgress | null, upload: boolean): string {
  if (progress === null) return 'starting…';
  const percent = Math.floor((progress.bytes / Math.max(progress.total, 1)) * 100);
  if (upload)
    return progress.stage === 'gateway'
      ? `to the gateway ${percent}%`
      : `to the server, checked ${percent}%`;
  return progress.stage === 'server'
    ? `fetching and checking ${percent}%`
    : `to this browser ${percent}%`;
}

function save(url: string, name: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

let outgoingSerial = 0;

/** Send a file (picked or dropped) to everyone or one person; files sent to me, to download. */
export function FilesPanel({ client, files, others, dropped, onDroppedTaken }: Props) {
  const [chosen, setChosen] = useState<File | null>(null);
  const [to, setTo] = useState('all');
  const [outgoing, setOutgoing] = useState<Outgoing[]>([]);
  const [incoming, setIncoming] = useState<Record<string, Incoming>>({});
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (dropped !== null) {
      setChosen(dropped);
      onDroppedTaken();
    }
  }, [dropped]);

  const update = (key: number, change: Partial<Outgoing>): void =>
    setOutgoing((list) => list.map((o) => (o.key === key ? { ...o, ...change } : o)));

  const send = (event: Event): void => {
    event.preventDefault();
    const file = chosen;
    if (file === null) return;
    const key = ++outgoingSerial;
    const recipient = to === 'all' ? 'everyone' : to;
    setOutgoing((list) => [
      {
        key,
        name: file.name,
        size: file.size,
        to: recipient,
        transfer: null,
        progress: null,
        state: 'sending',
        message: '',
      },
      ...list,
    ]);
    setChosen(null);
    if (picker.current !== null) picker.current.value = '';
    client
      .upload(
        file,
        to,
        (progress) => update(key, { progress }),
        (transfer) => update(key, { transfer }),
      )
      .then(
        (sent) =>
          update(key, {
            state: 'sent',
            message: `sent to ${sent.recipients} ${sent.recipients === 1 ? 'person' : 'people'}, MD5 checked`,
          }),
        (error: Error) => update(key, { state: 'failed', message: error.message }),
      );
  };

  const download = (notice: WebFileNotice): void => {
    const done = incoming[notice.fileId];
    if (done?.url !== undefined && done.name !== undefined) {
      save(done.url, done.name);
      return;
    }
    const set = (change: Partial<Incoming>): void =>
      setIncoming((all) => ({
        ...all,
        [notice.fileId]: {
          ...(all[notice.fileId] ?? { progress: null, state: 'fetching', message: '' }),
          ...change,
        },
      }));
    set({ state: 'fetching', progress: null, message: '' });
    client
      .download(notice.fileId, (progress) => set({ progress }))
      .then(
        ({ name, blob }) => {
          const url = URL.createObjectURL(blob);
          set({ state: 'saved', url, name, message: 'downloaded, MD5 checked' });
          save(url, name);
        },
        (error: Error) => set({ state: 'failed', message: error.message }),
      );
  };

  return (
    <div class="files">
      <form class="send-file" onSubmit={send}>
        <label class="file-pick">
          <span>
            {chosen === null
              ? 'Choose a file (or drop one on the page)'
              : `${chosen.name} · ${formatBytes(chosen.size)}`}
          </span>
          <input
            ref={picker}
            type="file"
            onChange={(e) => setChosen(e.currentTarget.files?.[0] ?? null)}
            aria-label="File to send"
          />
        </label>
        <div class="compose-row">
          <select
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            aria-label="Send the file to"
          >
            <option value="all">Everyone</option>
            {others.map((p) => (
              <option key={p.participantId} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
          <button class="primary" type="submit" disabled={chosen === null}>
            Send file
          </button>
        </div>
      </form>

      {outgoing.length > 0 && (
        <section aria-label="Files you sent">
          <h3>Sent</h3>
          <ul class="transfers">
            {outgoing.map((o) => (
              <li key={o.key} class={`transfer ${o.state}`} data-file={o.name}>
                <div class="transfer-head">
                  <strong>{o.name}</strong>
                  <span class="muted">
                    {formatBytes(o.size)} → {o.to}
                  </span>
                </div>
                {o.state === 'sending' ? (
                  <>
                    <progress
                      max={1}
                      value={fraction(o.progress, true)}
                      aria-label={`Sending ${o.name}`}
                    />
                    <div class="transfer-foot">
                      <span class="muted">{stageText(o.progress, true)}</span>
                      {o.transfer !== null && (
                        <button
                          class="link"
                          type="button"
                          onClick={() => o.transfer !== null && client.cancel(o.transfer)}
                        >
                          Cancel
                        </button>
                      )}
                    </div>
                  </>
                ) : (
                  <p class={`transfer-state ${o.state}`}>{o.message}</p>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-label="Files sent to you">
        <h3>Received</h3>
        {files.length === 0 && <p class="muted">Files sent to you show up here.</p>}
        <ul class="transfers">
          {files
            .slice()
            .reverse()
            .map((notice) => {
              const state = incoming[notice.fileId];
              return (
                <li key={notice.fileId} class="transfer" data-file={notice.name}>
                  <div class="transfer-head">
                    <strong>{notice.name}</strong>
                    <span class="muted">
                      {formatBytes(notice.size)} from {notice.sender}
                      {notice.private ? ' · to you only' : ''}
                    </span>
                  </div>
                  {state?.state === 'fetching' && (
                    <>
                      <progress
                        max={1}
                        value={fraction(state.progress, false)}
                        aria-label={`Downloading ${notice.name}`}
                      />
                      <span class="muted">{stageText(state.progress, false)}</span>
                    </>
                  )}
                  {state?.state === 'failed' && (
                    <p class="transfer-state failed">{state.message}</p>
                  )}
                  {state?.state === 'saved' && <p class="transfer-state sent">{state.message}</p>}
                  {state?.state !== 'fetching' && (
                    <button class="secondary" type="button" onClick={() => download(notice)}>
                      {state?.state === 'saved' ? 'Save again' : 'Download'}
                    </button>
                  )}
                </li>
              );
            })}
        </ul>
      </section>
    </div>
  );
}
