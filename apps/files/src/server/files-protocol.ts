import { createReadStream } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import {
  EventPatterns,
  EventPublisher,
  FileCatalog,
  FileStoredEvent,
  RoomStore,
  SessionRecord,
} from '@sapora/coordination';
import {
  CLIENT_TO_FILES_LIMITS,
  encodePayload,
  ErrorCode,
  FILE_CHUNK_BYTES,
  FileFetch,
  FileOffer,
  MessageType,
  messageTypeName,
  SESSION_TOKEN_BYTES,
  usernameKey,
} from '@sapora/protocol';
import {
  ConnectionContext,
  ConnectionDeadlines,
  FramedConnection,
  FramedProtocol,
  FrameHandlers,
  Logger,
  LOGGER,
  NodeEndpoint,
  NodeLoadSource,
  RequestError,
} from '@sapora/service-kit';
import { FilesConfig } from '../config/files-config';
import { FileExpiry } from '../expiry/file-expiry';
import { safeDisplayName } from '../storage/display-name';
import { FileStorage, Upload } from '../storage/file-storage';

const EVERYONE = /^(all)?$/i;
const MD5_HEX = /^[0-9a-f]{32}$/;

interface UploadState {
  upload: Upload;
  offer: FileOffer;
  sender: SessionRecord;
  recipients: string[];
}

/** What the file service keeps per connection: the upload it is receiving, if any. */
export interface FilesConnectionState {
  uploading: UploadState | null;
}

type Context = ConnectionContext<FilesConnectionState>;

/**
 * The file service's frames. A connection uploads (FILE_OFFER, then FILE_CHUNK frames) or
 * downloads (FILE_FETCH, then FILE_META and FILE_CHUNK frames); the size cap holds on every
 * chunk, the MD5 is computed as bytes stream, and only the file's recipients may fetch it.
 * A connection must show a live session's token within AUTH_TIMEOUT_MS of connecting (and of
 * finishing a transfer), and an upload that stops sending is cut off, resumable.
 */
@Injectable()
export class FilesProtocol implements FramedProtocol<FilesConnectionState>, NodeLoadSource {
  readonly handlers = new FrameHandlers<FilesConnectionState>(CLIENT_TO_FILES_LIMITS);
  readonly deadlines: ConnectionDeadlines;
  /** Uploads receiving bytes on a connection of this process: a second resume must wait. */
  readonly #receiving = new Set<string>();

  constructor(
    private readonly config: FilesConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: RoomStore,
    private readonly catalog: FileCatalog,
    private readonly storage: FileStorage,
    private readonly events: EventPublisher,
    private readonly expiry: FileExpiry,
    private readonly node: NodeEndpoint,
  ) {
    this.deadlines = {
      authenticateWithinMs: config.AUTH_TIMEOUT_MS,
      authenticatedIdleMs: config.FILES_UPLOAD_IDLE_MS,
    };
    this.handlers
      .on(MessageType.FileOffer, (offer, _frame, context) => this.#offer(context, offer))
      .on(MessageType.FileFetch, (fetch, _frame, context) => this.#fetch(context, fetch))
      .onRaw(MessageType.FileChunk, (bytes, _frame, context) => this.#chunk(context, bytes));
  }

  /** Uploads being received count as the load: downloads are short and need no room. */
  nodeLoad(): { rooms: number; participants: number } {
    return { rooms: 0, participants: this.#receiving.size };
  }

  open(): FilesConnectionState {
    return { uploading: null };
  }

  /** A dropped upload keeps its part so that it can be resumed (FileExpiry gives it up later). */
  closed(context: Context): void {
    this.#release(context, true);
  }

  /** A failed request ends the upload it was part of, and its bytes go. */
  failed(context: Context): void {
    this.#release(context, false);
  }

  #release(context: Context, keep: boolean): void {
    const state = context.state.uploading;
    if (state === null) return;
    context.state.uploading = null;
    context.deauthenticate();
    const { upload } = state;
    this.#receiving.delete(upload.fileId);
    if (keep) {
      upload.suspend();
      return;
    }
    upload.abandon();
    this.#forget(upload.fileId);
  }

  async #chunk(context: Context, bytes: Buffer): Promise<void> {
    const state = context.state.uploading;
    if (state === null)
      throw new RequestError(ErrorCode.NotJoined, 'FILE_CHUNK before FILE_OFFER', true);
    if (state.upload.received + bytes.length > state.offer.size)
      throw new RequestError(
        ErrorCode.FileTooLarge,
        `more bytes than the ${state.offer.size} announced`,
        true,
      );
    state.upload.append(bytes);
    if (state.upload.received < state.offer.size) return;
    context.state.uploading = null;
    this.#receiving.delete(state.upload.fileId);
    context.deauthenticate();
    await this.#complete(context.connection, state);
  }

  #notDuringUpload(context: Context, type: MessageType): void {
    if (context.state.uploading !== null)
      throw new RequestError(
        ErrorCode.InvalidRequest,
        `${messageTypeName(type)} during an upload`,
        true,
      );
  }

  async #session(token: Buffer): Promise<SessionRecord> {
    const session =
      token.length === SESSION_TOKEN_BYTES
        ? await this.store.getSession(token.toString('hex'))
        : null;
    if (session === null)
      throw new RequestError(
        ErrorCode.SessionExpired,
        'no live session for that token; join first',
      );
    return session;
  }

  async #offer(context: Context, offer: FileOffer): Promise<void> {
    this.#notDuringUpload(context, MessageType.FileOffer);
    const sender = await this.#session(offer.sessionToken);
    if (!MD5_HEX.test(offer.md5))
      throw new RequestError(ErrorCode.InvalidRequest, 'md5 must be 32 lower-case hex digits');
    if (offer.size > this.config.FILES_MAX_BYTES)
      throw new RequestError(
        ErrorCode.FileTooLarge,
        `${offer.size} bytes is over the limit of ${this.config.FILES_MAX_BYTES}`,
      );
    const others = (await this.store.members(sender.meetingId)).filter(
      (m) => m.participantId !== sender.participantId,
    );
    const everyone = EVERYONE.test(offer.to);
    const recipients = everyone
      ? others
      : others.filter((m) => m.nameKey === usernameKey(offer.to));
    if (recipients.length === 0)
      throw new RequestError(
        ErrorCode.NoRecipient,
        everyone
          ? 'nobody else is in the meeting'
          : `no one called "${offer.to}" is in the meeting`,
      );
    const upload =
      offer.uploadId === '' ? await this.#begin(offer, sender) : await this.#resume(offer, sender);
    const state: UploadState = {
      upload,
      offer,
      sender,
      recipients: recipients.map((m) => m.participantId),
    };
    context.state.uploading = state;
    context.authenticate();
    context.connection.send(
      MessageType.FileAccepted,
      encodePayload(MessageType.FileAccepted, { uploadId: upload.fileId, offset: upload.received }),
    );
    // A resumed upload that already holds every byte completes at once.
    if (upload.received === offer.size) {
      context.state.uploading = null;
      this.#receiving.delete(upload.fileId);
      context.deauthenticate();
      await this.#complete(context.connection, state);
    }
  }

  async #begin(offer: FileOffer, sender: SessionRecord): Promise<Upload> {
    const upload = this.storage.begin();
    const outcome = await this.catalog
      .beginUpload(
        {
          uploadId: upload.fileId,
          meetingId: sender.meetingId,
          sender: sender.username,
          senderKey: sender.nameKey,
          senderId: sender.participantId,
          name: offer.name,
          size: offer.size,
          md5: offer.md5,
        },
        {
          perSession: this.config.FILES_MAX_PARTS_PER_SESSION,
          totalBytes: this.config.FILES_PARTS_MAX_BYTES,
        },
      )
      .catch((error: unknown) => {
        upload.abandon();
        throw error;
      });
    if (outcome !== 'OK') {
      upload.abandon();
      throw outcome === 'TOO_MANY'
        ? new RequestError(
            ErrorCode.RateLimited,
            `you already have ${this.config.FILES_MAX_PARTS_PER_SESSION} uploads under way or waiting to be resumed; finish or wait for one`,
          )
        : new RequestError(
            ErrorCode.FileTooLarge,
            'the server holds too many unfinished uploads right now; try again later',
          );
    }
    this.#receiving.add(upload.fileId);
    await this.expiry.uploadStarted(upload.fileId);
    return upload;
  }

  /** The interrupted upload the offer names, or why it cannot go on. */
  async #resume(offer: FileOffer, sender: SessionRecord): Promise<Upload> {
    const id = offer.uploadId;
    const refuse = (message: string): RequestError =>
      new RequestError(ErrorCode.NoSuchFile, message);
    const pending = FileStorage.isId(id) ? await this.catalog.pendingUpload(id) : null;
    if (
      pending === null ||
      pending.meetingId !== sender.meetingId ||
      pending.senderKey !== sender.nameKey ||
      pending.size !== offer.size ||
      pending.md5 !== offer.md5
    )
      throw refuse(
        `no interrupted upload ${id} of this file to resume; offer it again without upload_id`,
      );
    if (this.#receiving.has(id))
      throw refuse(`upload ${id} is still being received on another connection`);
    this.#receiving.add(id);
    const upload = await this.storage.resume(id).catch((error: unknown) => {
      this.#receiving.delete(id);
      throw error;
    });
    if (upload === null || upload.received > offer.size) {
      this.#receiving.delete(id);
      upload?.abandon();
      this.#forget(id);
      throw refuse(`upload ${id} has nothing left to resume; offer it again without upload_id`);
    }
    return upload;
  }

  #forget(uploadId: string): void {
    this.catalog
      .endUpload(uploadId)
      .catch((error: unknown) =>
        this.logger.error({ err: error, uploadId }, 'could not forget upload'),
      );
  }

  async #complete(connection: FramedConnection, state: UploadState): Promise<void> {
    const { ok, md5 } = state.upload.finish(state.offer.md5);
    this.#forget(state.upload.fileId);
    if (!ok)
      throw new RequestError(
        ErrorCode.ChecksumMismatch,
        `received bytes have MD5 ${md5}, not ${state.offer.md5}; nothing was kept`,
      );
    // Registered before the edge listens, so every stored file knows its node.
    const holder = this.node.current ?? { nodeId: '', host: '', port: 0 };
    const record = {
      ...holder,
      fileId: state.upload.fileId,
      name: safeDisplayName(state.offer.name),
      size: state.offer.size,
      md5,
      meetingId: state.sender.meetingId,
      senderId: state.sender.participantId,
      sender: state.sender.username,
      recipients: state.recipients,
      storedAtMs: Date.now(),
    };
    await this.catalog.add(record);
    await this.expiry.afterRetention(record.fileId, this.config.FILES_RETENTION_MS);
    const stored: FileStoredEvent = {
      fileId: record.fileId,
      name: record.name,
      size: record.size,
      md5,
      meetingId: record.meetingId,
      sender: record.sender,
      recipients: record.recipients,
      sentAtMs: record.storedAtMs,
      host: record.host,
      port: record.port,
    };
    await this.events.emit(EventPatterns.fileStored, stored);
    this.logger.info(
      {
        fileId: record.fileId,
        size: record.size,
        meetingId: record.meetingId,
        sender: record.sender,
      },
      'file stored',
    );
    connection.send(
      MessageType.FileDone,
      encodePayload(MessageType.FileDone, {
        fileId: record.fileId,
        size: record.size,
        md5,
        recipients: record.recipients.length,
      }),
    );
  }

  async #fetch(context: Context, fetch: FileFetch): Promise<void> {
    this.#notDuringUpload(context, MessageType.FileFetch);
    const requester = await this.#session(fetch.sessionToken);
    const record = FileStorage.isId(fetch.fileId) ? await this.catalog.get(fetch.fileId) : null;
    if (record === null) throw new RequestError(ErrorCode.NoSuchFile, `no file ${fetch.fileId}`);
    // Kept by another node (its bytes are not here): say where. A node restarted on the same
    // storage (a new id) still serves what it holds.
    const here = this.node.current?.nodeId;
    if (record.nodeId && record.nodeId !== here && !this.storage.holds(record.fileId))
      throw new RequestError(
        ErrorCode.NoSuchFile,
        `file ${fetch.fileId} is kept by another file service, at ${record.host || 'the control host'}:${record.port}`,
      );
    if (
      record.meetingId !== requester.meetingId ||
      !record.recipients.includes(requester.participantId)
    )
      throw new RequestError(ErrorCode.NotAllowed, 'that file was not sent to you');
    const { connection } = context;
    const offset = Math.min(fetch.offset, record.size);
    connection.send(
      MessageType.FileMeta,
      encodePayload(MessageType.FileMeta, {
        fileId: record.fileId,
        name: record.name,
        size: record.size,
        md5: record.md5,
        sender: record.sender,
        offset,
      }),
    );
    if (offset === record.size) return;
    context.authenticate();
    // Large reads, cut into frames: far fewer trips to the disk than one read per frame.
    const stream = createReadStream(this.storage.pathOf(record.fileId), {
      start: offset,
      highWaterMark: 32 * FILE_CHUNK_BYTES,
    });
    try {
      for await (const block of stream as AsyncIterable<Buffer>) {
        for (let at = 0; at < block.length && !connection.closed; at += FILE_CHUNK_BYTES)
          connection.sendUncopied(MessageType.FileChunk, block.subarray(at, at + FILE_CHUNK_BYTES));
        if (connection.closed) break;
        await connection.writableBelow(4 * 1024 * 1024);
      }
    } finally {
      stream.destroy();
      context.deauthenticate();
    }
  }
}
