// Camera and screen frames to JPEG off the main thread: the page hands over the track's
// frames as a stream (MediaStreamTrackProcessor); this worker takes at most `fps` of them,
// draws each on an OffscreenCanvas and encodes it, and posts the JPEG bytes back. Frames that
// come while one is encoding, or sooner than the rate allows, are closed unseen.

export interface EncoderStart {
  type: 'start';
  frames: ReadableStream<VideoFrame>;
  fps: number;
  quality: number;
  /** Frames wider than this are scaled down to it. */
  maxWidth: number;
}

export interface EncodedFrame {
  type: 'jpeg';
  jpeg: ArrayBuffer;
  width: number;
  height: number;
  encodeMs: number;
}

let reader: ReadableStreamDefaultReader<VideoFrame> | null = null;

/**
 * Reads frames as fast as they come and closes each at once (a frame left to the garbage
 * collector stalls the camera, and Chromium complains): the one due is drawn first, then
 * encoded while the next ones are read and dropped.
 */
async function encode(start: EncoderStart): Promise<void> {
  reader = start.frames.getReader();
  const interval = 1000 / start.fps;
  let nextAt = 0;
  let encoding = false;
  let canvas: OffscreenCanvas | null = null;
  for (;;) {
    const { value: frame, done } = await reader.read();
    if (done) return;
    const now = performance.now();
    if (encoding || now < nextAt) {
      frame.close();
      continue;
    }
    // On schedule, without bunching up after a slow frame.
    nextAt = Math.max(nextAt + interval, now + interval / 2);
    const scale = Math.min(1, start.maxWidth / frame.displayWidth);
    const width = Math.round(frame.displayWidth * scale);
    const height = Math.round(frame.displayHeight * scale);
    if (canvas === null || canvas.width !== width || canvas.height !== height)
      canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d')?.drawImage(frame, 0, 0, width, height);
    frame.close();
    encoding = true;
    void send(canvas, start.quality, now).finally(() => {
      encoding = false;
    });
  }
}

async function send(canvas: OffscreenCanvas, quality: number, startedAt: number): Promise<void> {
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  const jpeg = await blob.arrayBuffer();
  const message: EncodedFrame = {
    type: 'jpeg',
    jpeg,
    width: canvas.width,
    height: canvas.height,
    encodeMs: performance.now() - startedAt,
  };
  postMessage(message, { transfer: [jpeg] });
}

onmessage = (event: MessageEvent<EncoderStart | { type: 'stop' }>) => {
  if (event.data.type === 'start')
    encode(event.data).catch((error: unknown) =>
      postMessage({ type: 'error', message: String(error) }),
    );
  else void reader?.cancel();
};
