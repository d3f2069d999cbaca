import { useEffect, useRef, useState } from 'preact/hooks';
import { GatewayClient } from '../gateway/gateway-client';
import { ScreenIcon } from './icons';

/**
 * The presenter's screen on the stage. Frames are decoded off the main thread
 * (createImageBitmap); while one decodes, only the newest that arrives is kept, so the stage
 * shows the latest picture and never works through a queue.
 */
export function ScreenStage({
  client,
  presenter,
  preview,
  onStop,
}: {
  client: GatewayClient;
  presenter: string;
  /** One's own shared screen: shown from the capture itself, not from the server. */
  preview: MediaStream | null;
  onStop: () => void;
}) {
  if (preview !== null) return <OwnScreen stream={preview} onStop={onStop} />;
  return <RemoteScreen client={client} presenter={presenter} />;
}

function OwnScreen({ stream, onStop }: { stream: MediaStream; onStop: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (video.current !== null) video.current.srcObject = stream;
  }, [stream]);
  return (
    <figure class="screen-stage own-screen">
      <video ref={video} class="screen-preview" autoplay muted playsInline />
      <figcaption>
        <ScreenIcon />
        <span>You are presenting</span>
        <button class="secondary stop-share" onClick={onStop}>
          Stop sharing
        </button>
      </figcaption>
    </figure>
  );
}

function RemoteScreen({ client, presenter }: { client: GatewayClient; presenter: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [waiting, setWaiting] = useState(true);

  useEffect(() => {
    let decoding = false;
    let newest: Uint8Array | null = null;
    let drawn = 0;
    let stopped = false;
    const decodeNext = (): void => {
      const jpeg = newest;
      newest = null;
      if (jpeg === null || stopped) {
        decoding = false;
        return;
      }
      decoding = true;
      createImageBitmap(new Blob([jpeg as BlobPart], { type: 'image/jpeg' })).then(
        (bitmap) => {
          const element = canvas.current;
          if (!stopped && element !== null) {
            if (element.width !== bitmap.width || element.height !== bitmap.height) {
              element.width = bitmap.width;
              element.height = bitmap.height;
            }
            element.getContext('2d')?.drawImage(bitmap, 0, 0);
            element.dataset.frames = String(++drawn);
            if (drawn === 1) setWaiting(false);
          }
          bitmap.close();
          decodeNext();
        },
        // A frame that does not decode is skipped; the next one replaces it.
        () => decodeNext(),
      );
    };
    client.onScreenFrame((jpeg) => {
      newest = jpeg;
      if (!decoding) decodeNext();
    });
    return () => {
      stopped = true;
      client.onScreenFrame(null);
    };
  }, [client]);

  return (
    <figure class="screen-stage">
      <canvas
        ref={canvas}
        class="screen-canvas"
        width={16}
        height={9}
        aria-label={`${presenter}'s screen`}
      />
      {waiting && <p class="muted waiting">Waiting for the first picture…</p>}
      <figcaption>
        <ScreenIcon />
        <span>{presenter} is presenting</span>
      </figcaption>
    </figure>
  );
}
