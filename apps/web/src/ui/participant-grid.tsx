import { useEffect, useRef, useState } from 'preact/hooks';
import { gridSize } from '@sapora/media/browser';
import type { WebParticipant } from '@sapora/protocol/gateway';
import type { MediaEngine, MediaState } from '../media/media-engine';
import { hueOf, initials, tileLabel } from '../state/participants';
import { MicOffIcon, ScreenIcon } from './icons';

/** Shows a MediaStream (the own camera) muted: one's own voice is never played back. */
function Preview({ stream }: { stream: MediaStream }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (video.current !== null) video.current.srcObject = stream;
  }, [stream]);
  return <video ref={video} class="tile-video own-preview" autoplay muted playsInline />;
}

function Tile({
  participant,
  myId,
  engine,
  media,
  observer,
  speakingId,
}: {
  participant: WebParticipant;
  myId: string;
  engine: MediaEngine;
  media: MediaState;
  observer: IntersectionObserver | null;
  speakingId: string | null;
}) {
  const own = participant.participantId === myId;
  const canvas = useRef<HTMLCanvasElement>(null);
  const item = useRef<HTMLLIElement>(null);
  const [video, setVideo] = useState(false);

  useEffect(() => {
    if (own || canvas.current === null) return;
    return engine.attachTile(participant.participantId, canvas.current, setVideo);
  }, [engine, own, participant.participantId]);

  useEffect(() => {
    const element = item.current;
    if (own || observer === null || element === null) return;
    observer.observe(element);
    return () => observer.unobserve(element);
  }, [observer, own]);

  const label = tileLabel(participant, myId);
  const showsVideo = own ? media.cameraStream !== null : video;
  // One's own voice is measured in the page; the others' the mixer names (`speaking` events).
  const speaking = own
    ? media.speaking && !participant.muted
    : speakingId === participant.participantId;
  return (
    <li
      ref={item}
      class={`tile ${own ? 'own' : ''} ${showsVideo ? 'with-video' : ''} ${speaking ? 'speaking' : ''}`}
      data-participant={participant.name}
      data-id={participant.participantId}
      aria-label={`${label}${participant.muted ? ', muted' : ''}${participant.presenting ? ', presenting' : ''}${speaking ? ', speaking' : ''}`}
    >
      {own && media.cameraStream !== null && <Preview stream={media.cameraStream} />}
      {!own && <canvas ref={canvas} class="tile-video" width={640} height={480} hidden={!video} />}
      {!showsVideo && (
        <div class="avatar" style={{ '--hue': String(hueOf(participant.name)) }} aria-hidden="true">
          {initials(participant.name)}
        </div>
      )}
      <div class="tile-label">
        <span class="tile-name">{label}</span>
        {participant.muted && (
          <span class="mark" title="Muted">
            <MicOffIcon label="muted" />
          </span>
        )}
        {participant.presenting && (
          <span class="mark presenting" title="Presenting">
            <ScreenIcon label="presenting" />
          </span>
        )}
      </div>
    </li>
  );
}

/**
 * One tile per participant, 1×1, 2×1, 2×2, 3×2, 3×3 … as people come and go (the CLI's and the
 * seed's layout, from libs/media). A tile shows its person's newest camera frame, or initials
 * while their camera is off; one's own tile previews one's own camera; the tile of whoever is
 * heard is ringed. Tiles scrolled out of view pause their sender's video (video-prefs).
 */
export function ParticipantGrid({
  participants,
  myId,
  engine,
  media,
  speakingId,
}: {
  participants: WebParticipant[];
  myId: string;
  engine: MediaEngine;
  media: MediaState;
  speakingId: string | null;
}) {
  const [observer, setObserver] = useState<IntersectionObserver | null>(null);
  useEffect(() => {
    const watching = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const id = (entry.target as HTMLElement).dataset.id;
        if (id !== undefined) engine.setTileVisible(id, entry.isIntersecting);
      }
    });
    setObserver(watching);
    return () => watching.disconnect();
  }, [engine]);

  const { cols, rows } = gridSize(participants.length);
  return (
    <ul
      class="grid"
      data-cols={cols}
      data-rows={rows}
      style={{
        gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`,
        gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))`,
      }}
    >
      {participants.map((p) => (
        <Tile
          key={p.participantId}
          participant={p}
          myId={myId}
          engine={engine}
          media={media}
          observer={observer}
          speakingId={speakingId}
        />
      ))}
    </ul>
  );
}
