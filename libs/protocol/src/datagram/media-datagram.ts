/**
 * UDP media datagrams (audio 6001; video will share the header).
 *
 *   0         1         2         3         4                    20                 24                  28
 *   +---------+---------+---------+---------+--------------------+------------------+-------------------+--------+
 *   | version |  kind   |  flags  | (zero)  | token (16 bytes)   | sequence (u32 BE)| timestamp (u32 BE)| body   |
 *   +---------+---------+---------+---------+--------------------+------------------+-------------------+--------+
 *
 * Version 2 is the same datagram sealed (media-seal.ts); every size here leaves room for that.
 * The token is the media token from JOINED (client to server); from the server, an audio mix
 * carries the participant id of the loudest voice in it there (zeros: nobody speaking). The
 * sequence counts datagrams of one stream; the timestamp is in samples for audio. The header
 * is 28 bytes so that the body starts on an even offset. No datagram exceeds
 * MAX_DATAGRAM_PAYLOAD (1200 bytes, never IP-fragmented) except video fragments, whose size the
 * server announces (JoinReply.video_datagram_bytes, at most MAX_VIDEO_DATAGRAM_BYTES).
 */
import { SESSION_TOKEN_BYTES } from '../constants/limits';
import { MAX_DATAGRAM_PAYLOAD, MAX_VIDEO_DATAGRAM_BYTES } from '../constants/media';

export const DATAGRAM_VERSION = 1;
export const DATAGRAM_VERSION_OFFSET = 0;
export const DATAGRAM_KIND_OFFSET = 1;
export const DATAGRAM_FLAGS_OFFSET = 2;
export const DATAGRAM_TOKEN_OFFSET = 4;
export const DATAGRAM_SEQUENCE_OFFSET = 20;
export const DATAGRAM_TIMESTAMP_OFFSET = 24;
export const DATAGRAM_HEADER_LENGTH = 28;
/** Bytes a seal adds (media-seal.ts: a 12-byte nonce and a 16-byte tag); every size leaves room for it. */
const SEAL_ROOM = 28;
/** Most body bytes in a datagram of the safe size once sealed. */
export const DATAGRAM_MAX_BODY = MAX_DATAGRAM_PAYLOAD - DATAGRAM_HEADER_LENGTH - SEAL_ROOM;

/*
 * Video fragment body:
 *   0                  4                 6                 8
 *   +------------------+-----------------+-----------------+----------------------+
 *   | frame id (u32 BE)| index (u16 BE)  | count (u16 BE)  | piece of the JPEG    |
 *   +------------------+-----------------+-----------------+----------------------+
 * Client to server, the token field holds the sender's media token; server to client, the
 * relay overwrites it in place with the sender's participant id (a UUID's 16 bytes), so one
 * buffer goes to every receiver unchanged otherwise.
 */
export const VIDEO_FRAME_ID_OFFSET = 0;
export const VIDEO_INDEX_OFFSET = 4;
export const VIDEO_COUNT_OFFSET = 6;
export const VIDEO_FRAGMENT_HEADER_LENGTH = 8;
/** Most JPEG bytes one fragment of the safe 1200-byte size carries. */
export const VIDEO_FRAGMENT_MAX_PIECE = DATAGRAM_MAX_BODY - VIDEO_FRAGMENT_HEADER_LENGTH;

/** Most JPEG bytes one video datagram of `datagramBytes` carries, sealed. */
export function videoPieceBytes(datagramBytes: number): number {
  return datagramBytes - DATAGRAM_HEADER_LENGTH - VIDEO_FRAGMENT_HEADER_LENGTH - SEAL_ROOM;
}
/** Most 16-bit samples one audio datagram can carry. */
export const AUDIO_MAX_FRAME_SAMPLES = Math.floor(DATAGRAM_MAX_BODY / 2);

export enum DatagramKind {
  /** Body: one codec frame of 16-bit little-endian PCM (empty when flagged silent). */
  Audio = 1,
  /** No body: "here I am" from a client that is not sending, so the server learns its address. */
  Keepalive = 2,
  /** Body: a video fragment header (frame id, index, count) and a piece of a JPEG frame. */
  VideoFragment = 3,
  /** Body: participant ids (16 bytes each) whose video this receiver does not want now. */
  VideoPrefs = 4,
}

export enum DatagramFlags {
  None = 0,
  /** The sender has nothing to say this frame (muted or silent); the body is empty. */
  Silence = 1,
}

export class DatagramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatagramError';
  }
}

/** A decoded datagram; token and body are views into the received buffer. */
export interface MediaDatagram {
  kind: DatagramKind;
  flags: number;
  token: Buffer;
  sequence: number;
  timestamp: number;
  body: Buffer;
}

const ZERO_TOKEN = Buffer.alloc(SESSION_TOKEN_BYTES);
/** Samples are little-endian on the wire: on such a host they are copied as bytes, not one by one. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const EMPTY_BODY = new Uint8Array(0);
const KNOWN_KINDS = new Set<number>([
  DatagramKind.Audio,
  DatagramKind.Keepalive,
  DatagramKind.VideoFragment,
  DatagramKind.VideoPrefs,
]);

/**
 * What is wrong with a datagram, or null when it is well-formed: decodeMediaDatagram's checks
 * without building anything, for paths that read the bytes in place (one relay per packet).
 */
export function mediaDatagramProblem(bytes: Buffer): string | null {
  if (bytes.length < DATAGRAM_HEADER_LENGTH)
    return `datagram of ${bytes.length} bytes is shorter than its header`;
  return mediaDatagramPartsProblem(bytes, bytes.length - DATAGRAM_HEADER_LENGTH);
}

/**
 * mediaDatagramProblem for a datagram held as its header (at least DATAGRAM_HEADER_LENGTH
 * bytes) and the length of a body held elsewhere (an opened seal's).
 */
export function mediaDatagramPartsProblem(header: Buffer, bodyLength: number): string | null {
  const length = DATAGRAM_HEADER_LENGTH + bodyLength;
  if (length > MAX_VIDEO_DATAGRAM_BYTES)
    return `datagram of ${length} bytes is over ${MAX_VIDEO_DATAGRAM_BYTES}`;
  const version = header[DATAGRAM_VERSION_OFFSET];
  if (version !== DATAGRAM_VERSION) return `unsupported datagram version ${version}`;
  const kind = header[DATAGRAM_KIND_OFFSET] as DatagramKind;
  if (!KNOWN_KINDS.has(kind)) return `unknown datagram kind ${kind}`;
  if (kind !== DatagramKind.VideoFragment && length > MAX_DATAGRAM_PAYLOAD)
    return `datagram of ${length} bytes is over ${MAX_DATAGRAM_PAYLOAD}`;
  if (kind === DatagramKind.Audio && bodyLength % 2 !== 0)
    return 'audio body is not whole 16-bit samples';
  if (kind === DatagramKind.Keepalive && bodyLength !== 0) return 'keepalive carries no body';
  if (kind === DatagramKind.VideoFragment && bodyLength < VIDEO_FRAGMENT_HEADER_LENGTH)
    return 'video fragment shorter than its header';
  if (kind === DatagramKind.VideoPrefs && bodyLength % SESSION_TOKEN_BYTES !== 0)
    return 'video preferences are not whole 16-byte participant ids';
  return null;
}

export function decodeMediaDatagram(bytes: Buffer): MediaDatagram {
  const problem = mediaDatagramProblem(bytes);
  if (problem !== null) throw new DatagramError(problem);
  return readMediaDatagram(bytes, bytes.subarray(DATAGRAM_HEADER_LENGTH));
}

/** The fields of a well-formed datagram (mediaDatagramPartsProblem said so), header and body apart. */
export function readMediaDatagram(header: Buffer, body: Buffer): MediaDatagram {
  return {
    kind: header[DATAGRAM_KIND_OFFSET],
    flags: header[DATAGRAM_FLAGS_OFFSET],
    token: header.subarray(DATAGRAM_TOKEN_OFFSET, DATAGRAM_TOKEN_OFFSET + SESSION_TOKEN_BYTES),
    sequence: header.readUInt32BE(DATAGRAM_SEQUENCE_OFFSET),
    timestamp: header.readUInt32BE(DATAGRAM_TIMESTAMP_OFFSET),
    body,
  };
}

/** Writes a header into `into` (at least DATAGRAM_HEADER_LENGTH bytes). */
export function writeDatagramHeader(
  into: Buffer,
  kind: DatagramKind,
  flags: number,
  token: Uint8Array | null,
  sequence: number,
  timestamp: number,
): void {
  into[DATAGRAM_VERSION_OFFSET] = DATAGRAM_VERSION;
  into[DATAGRAM_KIND_OFFSET] = kind;
  into[DATAGRAM_FLAGS_OFFSET] = flags;
  into[3] = 0;
  into.set(token ?? ZERO_TOKEN, DATAGRAM_TOKEN_OFFSET);
  into.writeUInt32BE(sequence >>> 0, DATAGRAM_SEQUENCE_OFFSET);
  into.writeUInt32BE(timestamp >>> 0, DATAGRAM_TIMESTAMP_OFFSET);
}

/** One audio datagram: header, then the samples as 16-bit little-endian. */
export function encodeAudioDatagram(
  token: Uint8Array | null,
  sequence: number,
  timestamp: number,
  samples: Int16Array | null,
): Buffer {
  const body = audioBody(samples);
  const datagram = Buffer.allocUnsafe(DATAGRAM_HEADER_LENGTH + body.length);
  writeAudioHeader(datagram, token, sequence, timestamp, samples);
  datagram.set(body, DATAGRAM_HEADER_LENGTH);
  return datagram;
}

/** An audio datagram's header (encodeAudioDatagram's) into `into`. */
export function writeAudioHeader(
  into: Buffer,
  token: Uint8Array | null,
  sequence: number,
  timestamp: number,
  samples: Int16Array | null,
): void {
  writeDatagramHeader(
    into,
    DatagramKind.Audio,
    samples === null ? DatagramFlags.Silence : DatagramFlags.None,
    token,
    sequence,
    timestamp,
  );
}

/**
 * An audio datagram's body: the samples as 16-bit little-endian bytes, which on a
 * little-endian host are the samples' own memory (nothing copied).
 */
export function audioBody(samples: Int16Array | null): Uint8Array {
  const count = samples?.length ?? 0;
  if (count > AUDIO_MAX_FRAME_SAMPLES)
    throw new DatagramError(
      `${count} samples do not fit one datagram (${AUDIO_MAX_FRAME_SAMPLES} do)`,
    );
  if (samples === null) return EMPTY_BODY;
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(samples.buffer, samples.byteOffset, count * 2);
  const body = Buffer.allocUnsafe(count * 2);
  for (let i = 0; i < count; i++) body.writeInt16LE(samples[i], 2 * i);
  return body;
}

export function encodeKeepalive(token: Uint8Array, sequence: number): Buffer {
  const datagram = Buffer.allocUnsafe(DATAGRAM_HEADER_LENGTH);
  writeDatagramHeader(datagram, DatagramKind.Keepalive, DatagramFlags.None, token, sequence, 0);
  return datagram;
}

/** Copies an audio body's samples into `out` (which must have room); returns how many. */
export function readAudioSamples(body: Buffer, out: Int16Array): number {
  const count = body.length >> 1;
  if (count > out.length)
    throw new DatagramError(`${count} samples do not fit a frame of ${out.length}`);
  if (LITTLE_ENDIAN_HOST)
    new Uint8Array(out.buffer, out.byteOffset, count * 2).set(body.subarray(0, count * 2));
  else for (let i = 0; i < count; i++) out[i] = body.readInt16LE(2 * i);
  return count;
}

export interface VideoFragment {
  frameId: number;
  index: number;
  count: number;
  piece: Buffer;
}

export function decodeVideoFragment(body: Buffer): VideoFragment {
  if (body.length < VIDEO_FRAGMENT_HEADER_LENGTH)
    throw new DatagramError('video fragment shorter than its header');
  const index = body.readUInt16BE(VIDEO_INDEX_OFFSET);
  const count = body.readUInt16BE(VIDEO_COUNT_OFFSET);
  if (count === 0 || index >= count)
    throw new DatagramError(`fragment ${index} of ${count} is out of range`);
  return {
    frameId: body.readUInt32BE(VIDEO_FRAME_ID_OFFSET),
    index,
    count,
    piece: body.subarray(VIDEO_FRAGMENT_HEADER_LENGTH),
  };
}

export function encodeVideoFragment(
  token: Uint8Array,
  sequence: number,
  timestampMs: number,
  fragment: { frameId: number; index: number; count: number; piece: Uint8Array },
): Buffer {
  if (fragment.piece.length > videoPieceBytes(MAX_VIDEO_DATAGRAM_BYTES))
    throw new DatagramError(`a piece of ${fragment.piece.length} bytes does not fit one datagram`);
  const datagram = Buffer.allocUnsafe(
    DATAGRAM_HEADER_LENGTH + VIDEO_FRAGMENT_HEADER_LENGTH + fragment.piece.length,
  );
  writeDatagramHeader(
    datagram,
    DatagramKind.VideoFragment,
    DatagramFlags.None,
    token,
    sequence,
    timestampMs,
  );
  const body = DATAGRAM_HEADER_LENGTH;
  datagram.writeUInt32BE(fragment.frameId >>> 0, body + VIDEO_FRAME_ID_OFFSET);
  datagram.writeUInt16BE(fragment.index, body + VIDEO_INDEX_OFFSET);
  datagram.writeUInt16BE(fragment.count, body + VIDEO_COUNT_OFFSET);
  datagram.set(fragment.piece, body + VIDEO_FRAGMENT_HEADER_LENGTH);
  return datagram;
}

/** Tells the relay which senders this receiver does not want (paused tiles); empty = all. */
export function encodeVideoPrefs(
  token: Uint8Array,
  sequence: number,
  blockedParticipantIds: Uint8Array[],
): Buffer {
  const max = Math.floor(DATAGRAM_MAX_BODY / SESSION_TOKEN_BYTES);
  if (blockedParticipantIds.length > max)
    throw new DatagramError(`at most ${max} paused senders fit one datagram`);
  const datagram = Buffer.allocUnsafe(
    DATAGRAM_HEADER_LENGTH + blockedParticipantIds.length * SESSION_TOKEN_BYTES,
  );
  writeDatagramHeader(datagram, DatagramKind.VideoPrefs, DatagramFlags.None, token, sequence, 0);
  blockedParticipantIds.forEach((id, i) =>
    datagram.set(id, DATAGRAM_HEADER_LENGTH + i * SESSION_TOKEN_BYTES),
  );
  return datagram;
}

/** A participant id (UUID text) as the 16 bytes video datagrams carry, and back. */
export function participantIdToBytes(participantId: string): Buffer {
  const hex = participantId.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex))
    throw new DatagramError(`"${participantId}" is not a participant id`);
  return Buffer.from(hex, 'hex');
}

export function participantIdFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
