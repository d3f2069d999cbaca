import { useEffect, useState } from 'preact/hooks';
import type { WebHostAction, WebParticipant } from '@sapora/protocol/gateway';
import type { GatewayClient } from '../gateway/gateway-client';
import {
  emptyHostView,
  hostViewSince,
  participantMarks,
  withRoom,
  withSpeakers,
  type HostView,
} from './host-view';

/** The meeting's host, lock, hands and speakers as the gateway reports them. */
export function useHostView(client: GatewayClient): HostView {
  const since = (current: HostView): HostView =>
    hostViewSince(current, client.latest('room'), client.latest('speakers')?.participantIds);
  const [view, setView] = useState<HostView>(() => since(emptyHostView));
  useEffect(() => {
    const offs = [
      client.on('room', (event) => setView((current) => withRoom(current, event))),
      client.on('speakers', (event) =>
        setView((current) => withSpeakers(current, event.participantIds)),
      ),
    ];
    // What came between the first render and these listeners.
    setView(since);
    return () => offs.forEach((off) => off());
  }, [client]);
  return view;
}

interface Props {
  client: GatewayClient;
  view: HostView;
  myId: string;
  participants: WebParticipant[];
  toast: (text: string, kind?: 'info' | 'error') => void;
}

/**
 * Running the meeting from the page: a hand to raise, and for the host the lock, the end, and
 * mute / remove / hand-over for one participant. The marks on tiles and in the list (host,
 * hands, speaker ring) come from a style element, so the grid's markup stays its own.
 */
export function HostStrip({ client, view, myId, participants, toast }: Props) {
  const [target, setTarget] = useState('');
  const iAmHost = view.hostId === myId;
  const handUp = view.raisedHands.includes(myId);
  const others = participants.filter((p) => p.participantId !== myId);
  const act = (action: WebHostAction, participantId?: string): void => {
    client
      .request({ type: 'host-action', action, participantId }, 'host-action-done')
      .catch((error: Error) => toast(error.message, 'error'));
  };
  return (
    <div class="host-strip" role="group" aria-label="Running the meeting">
      <style>{participantMarks(view, participants)}</style>
      {iAmHost && <span class="pill host-badge">You are the host</span>}
      {view.locked && <span class="pill warn">Locked</span>}
      <button
        class="host-button"
        aria-pressed={handUp}
        onClick={() => {
          client
            .request({ type: 'hand', raised: !handUp }, 'host-action-done')
            .catch((error: Error) => toast(error.message, 'error'));
        }}
      >
        {handUp ? 'Lower hand' : 'Raise hand'}
      </button>
      {iAmHost && (
        <>
          <button class="host-button" onClick={() => act(view.locked ? 'unlock' : 'lock')}>
            {view.locked ? 'Unlock' : 'Lock'}
          </button>
          <select
            aria-label="Participant"
            value={target}
            onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}
          >
            <option value="">Participant…</option>
            {others.map((p) => (
              <option key={p.participantId} value={p.participantId}>
                {p.name}
              </option>
            ))}
          </select>
          <button class="host-button" disabled={target === ''} onClick={() => act('mute', target)}>
            Mute
          </button>
          <button
            class="host-button"
            disabled={target === ''}
            onClick={() => act('remove', target)}
          >
            Remove
          </button>
          <button
            class="host-button"
            disabled={target === ''}
            onClick={() => act('make-host', target)}
          >
            Make host
          </button>
          <button class="host-button danger" onClick={() => act('end')}>
            End for all
          </button>
        </>
      )}
    </div>
  );
}
