import { BinaryKind } from '@sapora/protocol/gateway';
import { GatewayClient } from '../gateway/gateway-client';
import type { EncodedFrame, EncoderStart } from './frame-encoder.worker';
import micWorkletUrl from './mic-capture.worklet.ts?worker&url';
import playoutWorkletUrl from './playout.worklet.ts?worker&url';
import type { PlayoutStats } from './playout-buffer';

// Chromium's MediaStreamTrackProcessor (not in TypeScript's DOM library yet): a track's frames
// as a stream, which can be handed to a worker.
declare class MediaStreamTrackProcessor {
  constructor(init: { track: MediaStreamTrack });
  readonly readable: ReadableStream<VideoFrame>;
}

/** The mixer's format, from `joined`. */
export interface AudioFormat {
  sampleRate: number;
  frameSamples: number;
}

/** What the page shows about its own media. */
export interface MediaState {
  mic: boolean;
  camera: boolean;
  sharing: boolean;
  /** The own microphone is above the speaking threshold (with a short hold). */
  speaking: boolean;
  /** The camera and the shared screen, for the own previews. */
  cameraStream: MediaStream | null;
  shareStream: MediaStream | null;
}

/** Counts for the status line and the browser tests. */
export interface MediaStats {
  micFrames: number;
  mixFrames: number;
  cameraFrames: number;
  cameraBytes: number;
  shareFrames: number;
  videoFramesDrawn: number;
  playout: (PlayoutStats & { level: number }) | null;
}

const CAMERA = { width: 640, height: 480, fps: 15, quality: 0.55 };
const SCREEN = { fps: 10, quality: 0.6, maxWidth: 1920 };
/** RMS level (of full scale) over which the own microphone counts as speaking. */
const SPEAKING_LEVEL = 0.02;
const SPEAKING_HOLD_MS = 400;
/** A remote tile with no frame for this long shows initials again (their camera is off). */
const VIDEO_STALE_MS = 1_500;
/** Frames are not sent while this much waits in the socket: the next one is newer anyway. */
const SEND_BACKLOG_BYTES = 512 * 1024;

interface Tile {
  canvas: HTMLCanvasElement | null;
  onVideo: ((has: boolean) => void) | null;
  newest: Uint8Array | null;
  decoding: boolean;
  lastAt: number;
  hasVideo: boolean;
  drawn: number;
}

interface Encoder {
  worker: Worker;
  stream: MediaStream;
}

/**
 * The meeting's media in the page. Microphone: getUserMedia → an AudioWorklet making the
 * mixer's frames → MIC_FRAME. Speakers: MIX_FRAME → an AudioWorklet with a small adaptive
 * buffer → the speakers (an AnalyserNode taps it). Camera and screen: a worker encodes JPEGs
 * (OffscreenCanvas) → CAMERA_FRAME / SHARE_FRAME. Remote camera frames are decoded off the main
 * thread (createImageBitmap) into their tile's canvas, newest first. Tiles out of view and a
 * hidden tab pause their senders (video-prefs).
 */
export class MediaEngine {
  readonly #client: GatewayClient;
  readonly #format: AudioFormat;
  readonly #processing: boolean;
  readonly #listeners = new Set<(state: MediaState) => void>();
  readonly #tiles = new Map<string, Tile>();
  readonly #visible = new Map<string, boolean>();
  readonly #stats: MediaStats = {
    micFrames: 0,
    mixFrames: 0,
    cameraFrames: 0,
    cameraBytes: 0,
    shareFrames: 0,
    videoFramesDrawn: 0,
    playout: null,
  };
  #state: MediaState = {
    mic: false,
    camera: false,
    sharing: false,
    speaking: false,
    cameraStream: null,
    shareStream: null,
  };
  #context: AudioContext | null = null;
  #ready: Promise<AudioContext> | null = null;
  #playout: AudioWorkletNode | null = null;
  #analyser: AnalyserNode | null = null;
  #mic: { stream: MediaStream; source: MediaStreamAudioSourceNode; node: AudioWorkletNode } | null =
    null;
  #camera: Encoder | null = null;
  #share: Encoder | null = null;
  #micSequence = 0;
  #cameraSequence = 0;
  #shareSequence = 0;
  #loudUntil = 0;
  #remote: string[] = [];
  #pausedKey = '';
  #sweep: ReturnType<typeof setInterval>;
  #closed = false;
  readonly #onVisibility = (): void => this.#sendPrefs();

  constructor(client: GatewayClient, format: AudioFormat, { audioProcessing = true } = {}) {
    this.#client = client;
    this.#format = format;
    this.#processing = audioProcessing;
    client.onMix((pcm) => this.#playMix(pcm));
    client.onVideoFrame((sender, jpeg) => this.#videoFrame(sender, jpeg));
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#sweep = setInterval(() => this.#sweepTiles(), 500);
  }

  get state(): MediaState {
    return this.#state;
  }

  get stats(): MediaStats {
    return { ...this.#stats };
  }

  subscribe(listener: (state: MediaState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the speakers: the room's mix plays from now on. */
  start(): Promise<AudioContext> {
    this.#ready ??= this.#startAudio();
    return this.#ready;
  }

  async setMic(on: boolean): Promise<void> {
    this.#wake();
    if (on === this.#state.mic) return;
    if (!on) {
      this.#stopMic();
      this.#update({ mic: false, speaking: false });
      await this.#client.request({ type: 'mic', on: false }, 'media');
      return;
    }
    const context = await this.start();
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: this.#processing,
        noiseSuppression: this.#processing,
        autoGainControl: this.#processing,
        channelCount: 1,
      },
    });
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'sapora-mic', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: this.#format,
    });
    node.port.onmessage = (event: MessageEvent<{ frame: Int16Array; level: number }>) =>
      this.#micFrame(event.data.frame, event.data.level);
    source.connect(node);
    this.#mic = { stream, source, node };
    try {
      await this.#client.request({ type: 'mic', on: true }, 'media');
    } catch (error) {
      this.#stopMic();
      throw error;
    }
    this.#update({ mic: true });
  }

  async setCamera(on: boolean): Promise<void> {
    this.#wake();
    if (on === this.#state.camera) return;
    if (!on) {
      this.#stopEncoder(this.#camera);
      this.#camera = null;
      this.#update({ camera: false, cameraStream: null });
      await this.#client.request({ type: 'camera', on: false }, 'media');
      return;
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      video: {
        width: { ideal: CAMERA.width },
        height: { ideal: CAMERA.height },
        frameRate: { ideal: CAMERA.fps },
      },
    });
    try {
      await this.#client.request({ type: 'camera', on: true }, 'media');
    } catch (error) {
      stream.getTracks().forEach((track) => track.stop());
      throw error;
    }
    this.#camera = this.#encode(stream, { ...CAMERA, maxWidth: CAMERA.width }, (jpeg) => {
      this.#stats.cameraFrames++;
      this.#stats.cameraBytes = jpeg.byteLength;
      this.#client.sendBinary(BinaryKind.CameraFrame, ++this.#cameraSequence, jpeg);
    });
    this.#update({ camera: true, cameraStream: stream });
  }

  /** Shares a screen, window or tab the person picks; rejects with ScreenBusy (naming the presenter). */
  async startShare(): Promise<void> {
    this.#wake();
    if (this.#state.sharing) return;
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: SCREEN.fps } },
      audio: false,
    });
    try {
      await this.#client.request({ type: 'share', on: true }, 'media');
    } catch (error) {
      stream.getTracks().forEach((track) => track.stop());
      throw error;
    }
    // The browser's own "Stop sharing" ends it as the button does.
    stream.getVideoTracks()[0]?.addEventListener('ended', () => void this.stopShare());
    this.#share = this.#encode(stream, SCREEN, (jpeg) => {
      this.#stats.shareFrames++;
      this.#client.sendBinary(BinaryKind.ShareFrame, ++this.#shareSequence, jpeg);
    });
    this.#update({ sharing: true, shareStream: stream });
  }

  async stopShare(): Promise<void> {
    if (!this.#state.sharing) return;
    this.#stopEncoder(this.#share);
    this.#share = null;
    this.#update({ sharing: false, shareStream: null });
    await this.#client.request({ type: 'share', on: false }, 'media').catch(() => undefined);
  }

  /** The gateway ended the share by itself (`media` with sharing false). */
  shareEnded(): void {
    if (!this.#state.sharing) return;
    this.#stopEncoder(this.#share);
    this.#share = null;
    this.#update({ sharing: false, shareStream: null });
  }

  /**
   * A remote participant's tile: frames are drawn on `canvas`, and `onVideo` hears when the
   * tile has live video and when it has none any more (their camera went off).
   */
  attachTile(
    participantId: string,
    canvas: HTMLCanvasElement,
    onVideo: (has: boolean) => void,
  ): () => void {
    const tile = this.#tile(participantId);
    tile.canvas = canvas;
    tile.onVideo = onVideo;
    onVideo(tile.hasVideo);
    return () => {
      if (tile.canvas === canvas) {
        tile.canvas = null;
        tile.onVideo = null;
      }
    };
  }

  /** Who else is in the meeting, in tile order: their video is wanted unless paused. */
  setParticipants(remote: string[]): void {
    this.#remote = remote;
    for (const id of this.#tiles.keys()) if (!remote.includes(id)) this.#tiles.delete(id);
    this.#sendPrefs();
  }

  /** A tile scrolled into or out of view. */
  setTileVisible(participantId: string, visible: boolean): void {
    this.#visible.set(participantId, visible);
    this.#sendPrefs();
  }

  /** The last `fftSize` samples played (for diagnostics and the browser tests), and the rate. */
  playbackSamples(): { sampleRate: number; samples: number[] } {
    const analyser = this.#analyser;
    if (analyser === null || this.#context === null) return { sampleRate: 0, samples: [] };
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    return { sampleRate: this.#context.sampleRate, samples: Array.from(samples) };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#client.onMix(null);
    this.#client.onVideoFrame(null);
    this.#stopMic();
    this.#stopEncoder(this.#camera);
    this.#stopEncoder(this.#share);
    this.#camera = null;
    this.#share = null;
    void this.#context?.close();
  }

  /**
   * A press of a media button is the gesture a browser waits for before it plays audio: an
   * audio start still waiting for one goes on now.
   */
  #wake(): void {
    void this.#context?.resume();
  }

  async #startAudio(): Promise<AudioContext> {
    const context = new AudioContext({ latencyHint: 'interactive' });
    this.#context = context;
    await Promise.all([
      context.audioWorklet.addModule(micWorkletUrl),
      context.audioWorklet.addModule(playoutWorkletUrl),
    ]);
    const playout = new AudioWorkletNode(context, 'sapora-playout', {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: this.#format,
    });
    playout.port.onmessage = (event: MessageEvent<PlayoutStats & { level: number }>) => {
      this.#stats.playout = event.data;
    };
    const analyser = context.createAnalyser();
    analyser.fftSize = 32768;
    playout.connect(analyser);
    analyser.connect(context.destination);
    this.#playout = playout;
    this.#analyser = analyser;
    // Browsers start audio only after a gesture; joining was one, and every control is another.
    await context.resume();
    return context;
  }

  #playMix(pcm: Uint8Array): void {
    const playout = this.#playout;
    if (playout === null) return;
    this.#stats.mixFrames++;
    const frame = new Int16Array(pcm.length >> 1);
    new Uint8Array(frame.buffer).set(pcm.subarray(0, frame.byteLength));
    playout.port.postMessage(frame, [frame.buffer]);
  }

  #micFrame(frame: Int16Array, level: number): void {
    if (!this.#state.mic) return;
    this.#stats.micFrames++;
    this.#client.sendBinary(
      BinaryKind.MicFrame,
      ++this.#micSequence,
      new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength),
    );
    const now = performance.now();
    if (level > SPEAKING_LEVEL) this.#loudUntil = now + SPEAKING_HOLD_MS;
    const speaking = now < this.#loudUntil;
    if (speaking !== this.#state.speaking) this.#update({ speaking });
  }

  #stopMic(): void {
    const mic = this.#mic;
    this.#mic = null;
    if (mic === null) return;
    mic.source.disconnect();
    mic.node.port.onmessage = null;
    mic.node.disconnect();
    mic.stream.getTracks().forEach((track) => track.stop());
  }

  #encode(
    stream: MediaStream,
    settings: { fps: number; quality: number; maxWidth: number },
    send: (jpeg: Uint8Array) => void,
  ): Encoder {
    const track = stream.getVideoTracks()[0];
    const worker = new Worker(new URL('./frame-encoder.worker.ts', import.meta.url), {
      type: 'module',
    });
    worker.onmessage = (event: MessageEvent<EncodedFrame | { type: 'error'; message: string }>) => {
      if (event.data.type !== 'jpeg') return;
      // Behind: skip this frame rather than queue it, the next one is newer.
      if (this.#client.bufferedAmount > SEND_BACKLOG_BYTES) return;
      send(new Uint8Array(event.data.jpeg));
    };
    const frames = new MediaStreamTrackProcessor({ track }).readable;
    const start: EncoderStart = { type: 'start', frames, ...settings };
    worker.postMessage(start, [frames]);
    return { worker, stream };
  }

  #stopEncoder(encoder: Encoder | null): void {
    if (encoder === null) return;
    encoder.stream.getTracks().forEach((track) => track.stop());
    encoder.worker.postMessage({ type: 'stop' });
    encoder.worker.terminate();
  }

  #tile(participantId: string): Tile {
    let tile = this.#tiles.get(participantId);
    if (tile === undefined) {
      tile = {
        canvas: null,
        onVideo: null,
        newest: null,
        decoding: false,
        lastAt: 0,
        hasVideo: false,
        drawn: 0,
      };
      this.#tiles.set(participantId, tile);
    }
    return tile;
  }

  /** Keeps only the newest frame while one decodes: a tile never works through a queue. */
  #videoFrame(sender: string, jpeg: Uint8Array): void {
    if (!this.#remote.includes(sender)) return;
    const tile = this.#tile(sender);
    tile.lastAt = performance.now();
    tile.newest = jpeg;
    if (!tile.decoding) this.#decode(tile);
  }

  #decode(tile: Tile): void {
    const jpeg = tile.newest;
    tile.newest = null;
    if (jpeg === null || this.#closed) {
      tile.decoding = false;
      return;
    }
    tile.decoding = true;
    createImageBitmap(new Blob([jpeg as BlobPart], { type: 'image/jpeg' })).then(
      (bitmap) => {
        const canvas = tile.canvas;
        if (canvas !== null) {
          if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
            canvas.width = bitmap.width;
            canvas.height = bitmap.height;
          }
          canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
          canvas.dataset.frames = String(++tile.drawn);
          this.#stats.videoFramesDrawn++;
          if (!tile.hasVideo) {
            tile.hasVideo = true;
            tile.onVideo?.(true);
          }
        }
        bitmap.close();
        this.#decode(tile);
      },
      // A frame that does not decode is skipped; the next one replaces it.
      () => this.#decode(tile),
    );
  }

  #sweepTiles(): void {
    const staleBefore = performance.now() - VIDEO_STALE_MS;
    for (const tile of this.#tiles.values())
      if (tile.hasVideo && tile.lastAt < staleBefore) {
        tile.hasVideo = false;
        tile.onVideo?.(false);
      }
  }

  /** Sends video-prefs when the set of senders not wanted changes. */
  #sendPrefs(): void {
    const paused = this.#remote.filter(
      (id) => document.visibilityState === 'hidden' || this.#visible.get(id) === false,
    );
    const key = paused.join();
    if (key === this.#pausedKey || this.#closed) return;
    this.#pausedKey = key;
    this.#client.request({ type: 'video-prefs', paused }, 'media').catch(() => {
      // Not sent (disconnected): try again at the next change.
      this.#pausedKey = '';
    });
  }

  #update(change: Partial<MediaState>): void {
    this.#state = { ...this.#state, ...change };
    for (const listener of this.#listeners) listener(this.#state);
  }
}
