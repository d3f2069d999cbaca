/**
 * Sealed media datagrams (version 2): the version-1 datagram's header stays readable (a
 * forwarder needs the kind, the token and the sequence) but is authenticated; the body is
 * encrypted with AES-128-GCM.
 *
 *   0        28              40                       n-16        n
 *   +--------+---------------+------------------------+-----------+
 *   | header | nonce (12)    | encrypted body         | tag (16)  |
 *   +--------+---------------+------------------------+-----------+
 *
 * Header byte 0 is 2 and byte 3 the key epoch (the low byte of the room key's epoch on the way
 * to clients; 0 on the way to the server). The additional authenticated data is bytes 0–39
 * (header and nonce). The nonce is 4 bytes the sealer picked at random when it started and a
 * 64-bit big-endian counter that starts at the sealer's clock in microseconds and counts up by
 * one per datagram, so no two datagrams under one key share a nonce and a restarted sealer's
 * counters come after its earlier ones; receivers reject a counter they have seen or one 128
 * or more below the highest (ReplayWindow).
 *
 * Keys (PROTOCOL.md section 7): each session has a media key, each room a room key that changes
 * whenever someone leaves; the key for one kind and direction is the first 16 bytes of
 * HMAC-SHA256(base, "sapora <kind> <direction>"), base the session's key for "up" (client to
 * server), the room's for "down".
 */
import { performance } from 'node:perf_hooks';
import { createHmac, randomBytes } from 'node:crypto';
import { AesGcmKey, createAesGcmKey } from '@sapora/aes-gcm';
import {
  audioBody,
  DATAGRAM_HEADER_LENGTH,
  DATAGRAM_VERSION,
  DATAGRAM_VERSION_OFFSET,
  writeAudioHeader,
} from './media-datagram';

export const SEALED_DATAGRAM_VERSION = 2;
/** Header byte 3: which room key sealed a datagram to a client (its epoch's low byte). */
export const DATAGRAM_KEY_EPOCH_OFFSET = 3;
export const SEAL_NONCE_OFFSET = DATAGRAM_HEADER_LENGTH;
export const SEAL_NONCE_LENGTH = 12;
export const SEAL_TAG_LENGTH = 16;
/** Bytes a seal adds to a datagram: nonce and tag. */
export const SEAL_OVERHEAD = SEAL_NONCE_LENGTH + SEAL_TAG_LENGTH;
export const MEDIA_KEY_BYTES = 16;
const SEALED_BODY_OFFSET = SEAL_NONCE_OFFSET + SEAL_NONCE_LENGTH;
/** Counters a receiver remembers below the highest it has seen. */
export const REPLAY_WINDOW = 128;

/** The key one kind of media is sealed under in one direction, set up once (deriveMediaKey). */
export type MediaKey = AesGcmKey;
export type MediaKeyKind = 'audio' | 'video';
export type MediaKeyDirection = 'up' | 'down';

/** The key one kind of media uses in one direction, from a session's (up) or room's (down) key. */
export function deriveMediaKey(
  base: Uint8Array,
  kind: MediaKeyKind,
  direction: MediaKeyDirection,
): MediaKey {
  return createAesGcmKey(deriveMediaKeyBytes(base, kind, direction));
}

/** deriveMediaKey's key as bytes: the first 16 of HMAC-SHA256(base, "sapora <kind> <direction>"). */
export function deriveMediaKeyBytes(
  base: Uint8Array,
  kind: MediaKeyKind,
  direction: MediaKeyDirection,
): Buffer {
  if (base.length !== MEDIA_KEY_BYTES)
    throw new RangeError(`a media key is ${MEDIA_KEY_BYTES} bytes, not ${base.length}`);
  return createHmac('sha256', base)
    .update(`sapora ${kind} ${direction}`)
    .digest()
    .subarray(0, MEDIA_KEY_BYTES);
}

/** Whether these bytes claim to be a sealed datagram (what is in them is checked on opening). */
export function isSealedDatagram(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[DATAGRAM_VERSION_OFFSET] === SEALED_DATAGRAM_VERSION;
}

/**
 * Seals version-1 datagrams under one key at a time. One sealer per process and key: its
 * random prefix and clock-started counter keep its nonces apart from any other's.
 */
export class MediaSealer {
  /** The nonce's first 4 bytes, picked at random when the sealer starts. */
  readonly #prefix = randomBytes(4);
  #counter: number;
  #key: MediaKey;
  #epoch: number;

  constructor(key: MediaKey, epoch = 0) {
    this.#counter = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    this.#key = key;
    this.#epoch = epoch & 0xff;
  }

  /** From now on, seal under this key (a room key that changed); the counter runs on. */
  rekey(key: MediaKey, epoch: number): void {
    this.#key = key;
    this.#epoch = epoch & 0xff;
  }

  /** The sealed form of a version-1 datagram (header and body); `plain` is not changed. */
  seal(plain: Buffer): Buffer {
    return this.sealApart(plain, plain.subarray(DATAGRAM_HEADER_LENGTH));
  }

  /**
   * seal() for a version-1 datagram held as its header (the first DATAGRAM_HEADER_LENGTH bytes
   * of `header`) and a body held elsewhere (one just opened): nothing puts them together first.
   */
  sealApart(header: Buffer, body: Uint8Array): Buffer {
    const sealed = Buffer.allocUnsafe(SEALED_BODY_OFFSET + body.length + SEAL_TAG_LENGTH);
    header.copy(sealed, 0, 0, DATAGRAM_HEADER_LENGTH);
    return this.#sealInto(sealed, body);
  }

  /** encodeAudioDatagram's datagram sealed, straight from the samples: nothing encoded first. */
  sealAudio(
    token: Uint8Array | null,
    sequence: number,
    timestamp: number,
    samples: Int16Array | null,
  ): Buffer {
    const body = audioBody(samples);
    const sealed = Buffer.allocUnsafe(SEALED_BODY_OFFSET + body.length + SEAL_TAG_LENGTH);
    writeAudioHeader(sealed, token, sequence, timestamp, samples);
    return this.#sealInto(sealed, body);
  }

  /**
   * Seals again, where it lies, a sealed datagram that was opened in place (openSealedBody): its
   * first DATAGRAM_HEADER_LENGTH bytes hold the header to send, its body is in the clear after
   * the nonce. A relay forwards what it received this way without allocating.
   */
  sealInPlace(opened: Buffer): Buffer {
    return this.#sealInto(
      opened,
      opened.subarray(SEALED_BODY_OFFSET, opened.length - SEAL_TAG_LENGTH),
    );
  }

  /** Seals `body` into `sealed`, whose first DATAGRAM_HEADER_LENGTH bytes hold the header. */
  #sealInto(sealed: Buffer, body: Uint8Array): Buffer {
    this.#counter++;
    sealed[DATAGRAM_VERSION_OFFSET] = SEALED_DATAGRAM_VERSION;
    sealed[DATAGRAM_KEY_EPOCH_OFFSET] = this.#epoch;
    this.#prefix.copy(sealed, SEAL_NONCE_OFFSET);
    sealed.writeUInt32BE(Math.floor(this.#counter / 0x1_0000_0000), SEAL_NONCE_OFFSET + 4);
    sealed.writeUInt32BE(this.#counter >>> 0, SEAL_NONCE_OFFSET + 8);
    this.#key.seal(sealed, SEALED_BODY_OFFSET, body);
    return sealed;
  }
}

/**
 * Which nonce counters a receiver has accepted: the highest, and which of the REPLAY_WINDOW
 * below it. A counter seen before or too far behind is refused.
 */
export class ReplayWindow {
  #highest = -1;
  /** Bit i of the window: counter highest - i was seen. */
  readonly #seen = new Uint32Array(REPLAY_WINDOW / 32);

  /** Whether a counter may be accepted (not seen, not too old); accept() records it. */
  fresh(counter: number): boolean {
    if (counter > this.#highest) return true;
    const behind = this.#highest - counter;
    if (behind >= REPLAY_WINDOW) return false;
    return (this.#seen[behind >>> 5] & (1 << (behind & 31))) === 0;
  }

  accept(counter: number): void {
    if (counter > this.#highest) {
      this.#shift(this.#highest < 0 ? REPLAY_WINDOW : counter - this.#highest);
      this.#highest = counter;
      this.#seen[0] |= 1;
      return;
    }
    const behind = this.#highest - counter;
    this.#seen[behind >>> 5] |= 1 << (behind & 31);
  }

  /** Forgets everything (the stream comes from another sealer now: a room that moved). */
  reset(): void {
    this.#highest = -1;
    this.#seen.fill(0);
  }

  #shift(by: number): void {
    const seen = this.#seen;
    if (by >= REPLAY_WINDOW) {
      seen.fill(0);
      return;
    }
    const words = by >>> 5;
    const bits = by & 31;
    for (let i = seen.length - 1; i >= 0; i--) {
      const from = i - words;
      let value = from >= 0 ? seen[from] << bits : 0;
      if (bits !== 0 && from - 1 >= 0) value |= seen[from - 1] >>> (32 - bits);
      seen[i] = value >>> 0;
    }
  }
}

/**
 * Opens a sealed datagram in place: the version-1 datagram it carries, as a view of `bytes`
 * (its header moved up next to the body, which is decrypted where it lies), or null when it is
 * not a whole sealed datagram, fails authentication under `key`, or replays a counter `window`
 * has seen. Never throws. Whatever the outcome `bytes` is changed: a datagram that fails is
 * garbage afterwards.
 */
export function openSealedDatagram(
  bytes: Buffer,
  key: MediaKey,
  window: ReplayWindow,
): Buffer | null {
  if (!openInPlace(bytes, key, window)) return null;
  bytes.copyWithin(SEAL_NONCE_LENGTH, 0, DATAGRAM_HEADER_LENGTH);
  const plain = bytes.subarray(SEAL_NONCE_LENGTH, bytes.length - SEAL_TAG_LENGTH);
  plain[DATAGRAM_VERSION_OFFSET] = DATAGRAM_VERSION;
  plain[DATAGRAM_KEY_EPOCH_OFFSET] = 0;
  return plain;
}

/**
 * openSealedDatagram's body alone, for a path that reads the header where it arrived: a view of
 * `bytes`, decrypted in place (MediaSealer.sealInPlace can seal it again there). Never throws;
 * `bytes` is changed whatever the outcome.
 */
export function openSealedBody(bytes: Buffer, key: MediaKey, window: ReplayWindow): Buffer | null {
  if (!openInPlace(bytes, key, window)) return null;
  return bytes.subarray(SEALED_BODY_OFFSET, bytes.length - SEAL_TAG_LENGTH);
}

function openInPlace(bytes: Buffer, key: MediaKey, window: ReplayWindow): boolean {
  if (bytes.length < SEALED_BODY_OFFSET + SEAL_TAG_LENGTH || !isSealedDatagram(bytes)) return false;
  const high = bytes.readUInt32BE(SEAL_NONCE_OFFSET + 4);
  // Counters are clock-started microseconds: anything past 2^53 is not one of ours.
  if (high >= 0x20_0000) return false;
  const counter = high * 0x1_0000_0000 + bytes.readUInt32BE(SEAL_NONCE_OFFSET + 8);
  if (!window.fresh(counter) || !key.open(bytes, SEALED_BODY_OFFSET))
    return false;
  window.accept(counter);
  return true;
}
