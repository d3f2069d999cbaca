import { createReadStream } from 'node:fs';
import { AddressInfo } from 'node:net';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
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
  decodePayload,
  encodePayload,
  ErrorCode,
  FILE_CHUNK_BYTES,
  FileFetch,
  FileOffer,
  Frame,
  MalformedPayloadError,
  MessageType,
  messageTypeName,
} from '@sapora/protocol';
import { FramedConnection, FramedTcpServer, Logger } from '@sapora/service-kit';
import { FilesConfig } from '../config/files-config';
import { FileExpiry } from '../expiry/file-expiry';
import { LOGGER } from '@sapora/service-kit';
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

/**
 * The file service's TCP edge. A connection uploads (FILE_OFFER, then FILE_CHUNK frames) or
 * downloads (FILE_FETCH, then FILE_META and FILE_CHUNK frames); the size cap holds on every
 * chunk, the MD5 is computed as bytes stream, and only the file's recipients may fetch it.
 */
@Injectable()
export class FilesServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #tcp: FramedTcpServer;
  #address: AddressInfo | null = null;
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
  ) {
    this.#tcp = new FramedTcpServer({
      host: config.FILES_HOST,
      port: config.FILES_PORT,
      limits: CLIENT_TO_FILES_LIMITS,
      incompleteFrameTimeoutMs: config.INCOMPLETE_FRAME_TIMEOUT_MS,
      maxSendBufferBytes: 16 * 1024 * 1024,
      firstFrameTimeoutMs: config.INCOMPLETE_FRAME_TIMEOUT_MS,
    });
    this.#tcp.on('connection', (connection) => this.#serve(connection));
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error('file service is not listening');
    return this.#address;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.events.connect();
    this.#address = await this.#tcp.listen();
    this.logger.info(
      { host: this.#address.address, port: this.#address.port, dir: this.storage.root },
      `files listening on ${this.#address.address}:${this.#address.port} (TCP)`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#tcp.stopAccepting();
    for (const connection of this.#tcp.connections) connection.end();
    await this.#tcp.drain(2_000);
    await this.events.close();
    await this.expiry.close();
  }

  #serve(connection: FramedConnection): void {
    let uploading: UploadState | null = null;
    let queue = Promise.resolve();
    // An upload that fails is deleted at once; one whose connection drops keeps its part so that
    // it can be resumed (FileExpiry gives it up after the resume window).
    const release = (keep: boolean): void => {
      if (uploading === null) return;
      const { upload } = uploading;
      uploading = null;
      this.#receiving.delete(upload.fileId);
      if (keep) {
        upload.suspend();
        return;
      }
      upload.abandon();
      this.#forget(upload.fileId);
    };
    const abandon = (): void => release(false);

    const handle = async (frame: Frame): Promise<void> => {
      if (connection.closed) return;
      const type = frame.type as MessageType;
      if (type === MessageType.FileChunk) {
        if (uploading === null) {
          connection.sendError(
            ErrorCode.NotJoined,
            'FILE_CHUNK before FILE_OFFER',
            frame.sequence,
            true,
          );
          return;
        }
        const state = uploading;
        if (state.upload.received + frame.payload.length > state.offer.size) {
          abandon();
          connection.sendError(
            ErrorCode.FileTooLarge,
            `more bytes than the ${state.offer.size} announced`,
            frame.sequence,
            true,
          );
          return;
        }
        state.upload.append(frame.payload);
        if (state.upload.received === state.offer.size) {
          uploading = null;
          this.#receiving.delete(state.upload.fileId);
          await this.#complete(connection, state, frame.sequence);
        }
        return;
      }
      if (uploading !== null) {
        connection.sendError(
          ErrorCode.InvalidRequest,
          `${messageTypeName(type)} during an upload`,
          frame.sequence,
          true,
        );
        return;
      }
      if (type === MessageType.FileOffer) {
        uploading = await this.#offer(
          connection,
          decodePayload(MessageType.FileOffer, frame.payload),
          frame.sequence,
        );
      } else if (type === MessageType.FileFetch) {
        await this.#fetch(
          connection,
          decodePayload(MessageType.FileFetch, frame.payload),
          frame.sequence,
        );
      }
    };

    connection.on('frame', (frame) => {
      queue = queue
        .then(() => handle(frame))
        .catch((error: unknown) => {
          abandon();
          const malformed = error instanceof MalformedPayloadError;
          if (!malformed) this.logger.error({ err: error }, 'file request failed');
          connection.sendError(
            malformed ? ErrorCode.MalformedFrame : ErrorCode.Internal,
            (error as Error).message,
            frame.sequence,
            true,
          );
        });
    });
    connection.on('protocolError', (error) => {
      abandon();
      connection.closeForProtocolError(error);
    });
    connection.on('close', () => release(true));
  }

  async #session(token: Buffer): Promise<SessionRecord | null> {
    return token.length === 16 ? this.store.getSession(token.toString('hex')) : null;
  }

  async #offer(
    connection: FramedConnection,
    offer: FileOffer,
    sequence: number,
  ): Promise<UploadState | null> {
    const refuse = (code: ErrorCode, message: string): null => {
      connection.sendError(code, message, sequence, false);
      return null;
    };
    const sender = await this.#session(offer.sessionToken);
    if (sender === null)
      return refuse(ErrorCode.SessionExpired, 'no live session for that token; join first');
    if (!MD5_HEX.test(offer.md5))
      return refuse(ErrorCode.InvalidRequest, 'md5 must be 32 lower-case hex digits');
    if (offer.size > this.config.FILES_MAX_BYTES) {
      return refuse(
        ErrorCode.FileTooLarge,
        `${offer.size} bytes is over the limit of ${this.config.FILES_MAX_BYTES}`,
      );
    }
    const others = (await this.store.members(sender.meetingId)).filter(
      (m) => m.participantId !== sender.participantId,
    );
    const recipients = EVERYONE.test(offer.to)
      ? others
      : others.filter((m) => m.username.toLowerCase() === offer.to.toLowerCase());
    if (recipients.length === 0) {
      return refuse(
        ErrorCode.NoRecipient,
        EVERYONE.test(offer.to)
          ? 'nobody else is in the meeting'
          : `no one called "${offer.to}" is in the meeting`,
      );
    }
    const upload =
      offer.uploadId === '' ? await this.#begin(offer, sender) : await this.#resume(offer, sender);
    if (typeof upload === 'string') return refuse(ErrorCode.NoSuchFile, upload);
    const state: UploadState = {
      upload,
      offer,
      sender,
      recipients: recipients.map((m) => m.participantId),
    };
    connection.send(
      MessageType.FileAccepted,
      encodePayload(MessageType.FileAccepted, { uploadId: upload.fileId, offset: upload.received }),
    );
    if (upload.received === offer.size) {
      this.#receiving.delete(upload.fileId);
      await this.#complete(connection, state, sequence);
      return null;
    }
    return state;
  }

  async #begin(offer: FileOffer, sender: SessionRecord): Promise<Upload> {
    const upload = this.storage.begin();
    this.#receiving.add(upload.fileId);
    await this.catalog.beginUpload({
      uploadId: upload.fileId,
      meetingId: sender.meetingId,
      sender: sender.username,
      name: offer.name,
      size: offer.size,
      md5: offer.md5,
    });
    await this.expiry.uploadStarted(upload.fileId);
    return upload;
  }

  /** The interrupted upload the offer names, or why it cannot go on. */
  async #resume(offer: FileOffer, sender: SessionRecord): Promise<Upload | string> {
    const id = offer.uploadId;
    const pending = FileStorage.isId(id) ? await this.catalog.pendingUpload(id) : null;
    if (
      pending === null ||
      pending.meetingId !== sender.meetingId ||
      pending.sender.toLowerCase() !== sender.username.toLowerCase() ||
      pending.size !== offer.size ||
      pending.md5 !== offer.md5
    )
      return `no interrupted upload ${id} of this file to resume; offer it again without upload_id`;
    if (this.#receiving.has(id))
      return `upload ${id} is still being received on another connection`;
    this.#receiving.add(id);
    const upload = await this.storage.resume(id).catch((error: unknown) => {
      this.#receiving.delete(id);
      throw error;
    });
    if (upload === null || upload.received > offer.size) {
      this.#receiving.delete(id);
      upload?.abandon();
      this.#forget(id);
      return `upload ${id} has nothing left to resume; offer it again without upload_id`;
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

  async #complete(
    connection: FramedConnection,
    state: UploadState,
    sequence: number,
  ): Promise<void> {
    const { ok, md5 } = state.upload.finish(state.offer.md5);
    this.#forget(state.upload.fileId);
    if (!ok) {
      connection.sendError(
        ErrorCode.ChecksumMismatch,
        `received bytes have MD5 ${md5}, not ${state.offer.md5}; nothing was kept`,
        sequence,
        false,
      );
      return;
    }
    const record = {
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

  async #fetch(connection: FramedConnection, fetch: FileFetch, sequence: number): Promise<void> {
    const requester = await this.#session(fetch.sessionToken);
    if (requester === null) {
      connection.sendError(
        ErrorCode.SessionExpired,
        'no live session for that token; join first',
        sequence,
        false,
      );
      return;
    }
    const record = FileStorage.isId(fetch.fileId) ? await this.catalog.get(fetch.fileId) : null;
    if (record === null) {
      connection.sendError(ErrorCode.NoSuchFile, `no file ${fetch.fileId}`, sequence, false);
      return;
    }
    if (
      record.meetingId !== requester.meetingId ||
      !record.recipients.includes(requester.participantId)
    ) {
      connection.sendError(ErrorCode.NotAllowed, 'that file was not sent to you', sequence, false);
      return;
    }
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
    // Large reads, cut into frames: far fewer trips to the disk than one read per frame.
    const stream = createReadStream(this.storage.pathOf(record.fileId), {
      start: offset,
      highWaterMark: 32 * FILE_CHUNK_BYTES,
    });
    for await (const block of stream as AsyncIterable<Buffer>) {
      for (let at = 0; at < block.length && !connection.closed; at += FILE_CHUNK_BYTES)
        connection.sendUncopied(MessageType.FileChunk, block.subarray(at, at + FILE_CHUNK_BYTES));
      if (connection.closed) break;
      await connection.writableBelow(4 * 1024 * 1024);
    }
    stream.destroy();
  }
}
