import {
  BinaryKind,
  decodeBinaryMessage,
  encodeBinaryMessage,
  readVideoFrameSender,
  VIDEO_FRAME_SENDER_LENGTH,
  GATEWAY_FILE_CHUNK_BYTES,
  GATEWAY_SOCKET_PATH,
  type FileSentEvent,
  type GatewayCommand,
  type GatewayEvent,
} from '@sapora/protocol/gateway';

type EventOf<T extends GatewayEvent['type']> = Extract<GatewayEvent, { type: T }>;
type CommandBody = GatewayCommand extends infer C
  ? C extends unknown
    ? Omit<C, 'id'>
    : never
  : never;

/** The gateway refused a command: its code, its words, and the form field it is about. */
export class GatewayRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'GatewayRequestError';
  }
}

export interface TransferProgress {
  /** "gateway": between this page and the gateway; "server": between gateway and file service. */
  stage: 'gateway' | 'server';
  bytes: number;
  total: number;
}

interface Pending {
  answer: GatewayEvent['type'];
  resolve: (event: GatewayEvent) => void;
  reject: (error: Error) => void;
}

interface TransferListener {
  onEvent: (event: GatewayEvent) => void;
  onData?: (bytes: Uint8Array) => void;
}

/** Bytes queued in the socket past which an upload waits before sending its next chunk. */
const UPLOAD_BACKLOG_BYTES = 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The page's end of its WebSocket to the gateway: commands with ids and the answers they get,
 * pushed events by type, screen frames, and file uploads and downloads over binary messages.
 */
export class GatewayClient {
  readonly #url: string;
  #socket: WebSocket | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<(event: GatewayEvent) => void>>();
  readonly #transfers = new Map<number, TransferListener>();
  /** The newest unasked event of each type since the last `joined`. */
  readonly #latest = new Map<string, GatewayEvent>();
  #onFrame: ((jpeg: Uint8Array, sequence: number) => void) | null = null;
  #onMix: ((pcm: Uint8Array) => void) | null = null;
  #onVideo: ((sender: string, jpeg: Uint8Array) => void) | null = null;
  #onState: ((open: boolean) => void) | null = null;

  constructor(url = GatewayClient.defaultUrl()) {
    this.#url = url;
  }

  /** The gateway that served this page: wss:// for https, ws:// for http. */
  static defaultUrl(): string {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${location.host}${GATEWAY_SOCKET_PATH}`;
  }

  get open(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Opens the socket; `onState` hears every open and close (the page reconnects on close). */
  connect(onState: (open: boolean) => void): void {
    this.#onState = onState;
    const socket = new WebSocket(this.#url);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.onopen = () => this.#onState?.(true);
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      const lost = new GatewayRequestError(
        'Disconnected',
        'the connection to the gateway was lost',
      );
      for (const pending of this.#pending.values()) pending.reject(lost);
      this.#pending.clear();
      for (const [transfer, listener] of this.#transfers)
        listener.onEvent({ type: 'file-failed', transfer, message: lost.message });
      this.#transfers.clear();
      this.#onState?.(false);
    };
    socket.onmessage = (message: MessageEvent<string | ArrayBuffer>) => {
      if (typeof message.data === 'string') this.#onEvent(JSON.parse(message.data) as GatewayEvent);
      else this.#onBinary(new Uint8Array(message.data));
    };
  }

  close(): void {
    this.#onState = null;
    this.#socket?.close(1000, 'page closed');
  }

  on<T extends GatewayEvent['type']>(type: T, listener: (event: EventOf<T>) => void): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    const wrapped = listener as (event: GatewayEvent) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  /**
   * The newest event of a type heard since joining: a view that mounts after `joined` starts
   * from it, so news that came in between (someone muted, someone left) is not lost.
   */
  latest<T extends GatewayEvent['type']>(type: T): EventOf<T> | undefined {
    return this.#latest.get(type) as EventOf<T> | undefined;
  }

  onScreenFrame(listener: ((jpeg: Uint8Array, sequence: number) => void) | null): void {
    this.#onFrame = listener;
  }

  /** The room's mix, one MIX_FRAME (16-bit little-endian PCM) at a time. */
  onMix(listener: ((pcm: Uint8Array) => void) | null): void {
    this.#onMix = listener;
  }

  /** Camera frames from others in the room (VIDEO_FRAME): who sent it and the JPEG. */
  onVideoFrame(listener: ((sender: string, jpeg: Uint8Array) => void) | null): void {
    this.#onVideo = listener;
  }

  /** Bytes queued in the socket and not yet sent (media senders skip frames past a limit). */
  get bufferedAmount(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }

  /** Sends a MIC_FRAME, CAMERA_FRAME or SHARE_FRAME; dropped when not connected. */
  sendBinary(kind: BinaryKind, number: number, payload: Uint8Array): void {
    const socket = this.#socket;
    if (socket?.readyState === WebSocket.OPEN)
      socket.send(encodeBinaryMessage(kind, number, payload));
  }

  /** Sends a command; resolves with the event that answers it, rejects with the gateway's error. */
  request<T extends GatewayEvent['type']>(command: CommandBody, answer: T): Promise<EventOf<T>> {
    return this.begin(command, answer).answer;
  }

  /** Like request(), also giving the command's id at once (a chat line shows before its answer). */
  begin<T extends GatewayEvent['type']>(
    command: CommandBody,
    answer: T,
  ): { id: number; answer: Promise<EventOf<T>> } {
    const id = this.#nextId++;
    const socket = this.#socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN)
      return {
        id,
        answer: Promise.reject(
          new GatewayRequestError('Disconnected', 'not connected to the gateway'),
        ),
      };
    const promise = new Promise<EventOf<T>>((resolve, reject) => {
      this.#pending.set(id, {
        answer,
        resolve: resolve as (event: GatewayEvent) => void,
        reject,
      });
    });
    socket.send(JSON.stringify({ ...command, id }));
    return { id, answer: promise };
  }

  /**
   * Sends a file through the gateway to "all" or a person; resolves when the file service has
   * checked every byte.
   */
  async upload(
    file: File,
    to: string,
    onProgress: (progress: TransferProgress) => void,
    onTransfer?: (transfer: number) => void,
  ): Promise<FileSentEvent> {
    const { transfer } = await this.request(
      { type: 'file-offer', name: file.name, size: file.size, to },
      'transfer',
    );
    onTransfer?.(transfer);
    const result = new Promise<FileSentEvent>((resolve, reject) => {
      this.#transfers.set(transfer, {
        onEvent: (event) => {
          if (event.type === 'file-progress') onProgress(event);
          else if (event.type === 'file-sent') {
            this.#transfers.delete(transfer);
            resolve(event);
          } else if (event.type === 'file-failed') {
            this.#transfers.delete(transfer);
            reject(new GatewayRequestError('TransferFailed', event.message));
          }
        },
      });
    });
    for (let offset = 0; offset < file.size; offset += GATEWAY_FILE_CHUNK_BYTES) {
      const socket = this.#socket;
      if (socket === null || !this.#transfers.has(transfer)) break;
      while (socket.bufferedAmount > UPLOAD_BACKLOG_BYTES) await sleep(10);
      const chunk = new Uint8Array(
        await file.slice(offset, offset + GATEWAY_FILE_CHUNK_BYTES).arrayBuffer(),
      );
      socket.send(encodeBinaryMessage(BinaryKind.FileChunk, transfer, chunk));
    }
    return result;
  }

  /** Fetches a file sent to this person (MD5-checked by the gateway first) as a Blob. */
  async download(
    fileId: string,
    onProgress: (progress: TransferProgress) => void,
  ): Promise<{ name: string; blob: Blob }> {
    const { transfer } = await this.request({ type: 'file-fetch', fileId }, 'transfer');
    return new Promise((resolve, reject) => {
      const parts: Uint8Array[] = [];
      let received = 0;
      let meta: EventOf<'file-ready'> | null = null;
      this.#transfers.set(transfer, {
        onEvent: (event) => {
          if (event.type === 'file-progress') onProgress(event);
          else if (event.type === 'file-ready') {
            meta = event;
            onProgress({ stage: 'gateway', bytes: 0, total: event.size });
          } else if (event.type === 'file-end') {
            this.#transfers.delete(transfer);
            if (meta === null || received !== meta.size)
              reject(
                new GatewayRequestError(
                  'TransferFailed',
                  `got ${received} bytes, not the whole file`,
                ),
              );
            else resolve({ name: meta.name, blob: new Blob(parts as BlobPart[]) });
          } else if (event.type === 'file-failed') {
            this.#transfers.delete(transfer);
            reject(new GatewayRequestError('TransferFailed', event.message));
          }
        },
        onData: (bytes) => {
          parts.push(bytes);
          received += bytes.length;
          if (meta !== null) onProgress({ stage: 'gateway', bytes: received, total: meta.size });
        },
      });
    });
  }

  cancel(transfer: number): void {
    this.#socket?.send(JSON.stringify({ type: 'file-cancel', transfer }));
  }

  #onEvent(event: GatewayEvent): void {
    if (event.type === 'joined') this.#latest.clear();
    const id = 'id' in event ? event.id : undefined;
    if (id !== undefined) {
      const pending = this.#pending.get(id);
      if (pending !== undefined && (event.type === pending.answer || event.type === 'error')) {
        this.#pending.delete(id);
        if (event.type === 'error')
          pending.reject(new GatewayRequestError(event.code, event.message, event.field));
        else pending.resolve(event);
        return;
      }
    }
    if ('transfer' in event && event.type !== 'transfer') {
      this.#transfers.get(event.transfer)?.onEvent(event);
      return;
    }
    this.#latest.set(event.type, event);
    for (const listener of this.#listeners.get(event.type) ?? []) listener(event);
  }

  #onBinary(bytes: Uint8Array): void {
    const message = decodeBinaryMessage(bytes);
    if (message.kind === BinaryKind.MixFrame) this.#onMix?.(message.payload);
    else if (message.kind === BinaryKind.VideoFrame)
      this.#onVideo?.(
        readVideoFrameSender(message.payload),
        message.payload.subarray(VIDEO_FRAME_SENDER_LENGTH),
      );
    else if (message.kind === BinaryKind.ScreenFrame)
      this.#onFrame?.(message.payload, message.number);
    else if (message.kind === BinaryKind.FileData)
      this.#transfers.get(message.number)?.onData?.(message.payload);
  }
}
