import {
  DATAGRAM_KEY_EPOCH_OFFSET,
  deriveMediaKey,
  isSealedDatagram,
  MediaKey,
  MediaSealer,
  openSealedDatagram,
  ReplayWindow,
} from '@sapora/protocol';
import { RoomMediaKeyInfo, Session } from '../session';

/**
 * Seals and opens one kind of media as a session's media must be (PROTOCOL.md section 7): when
 * the session's media is sealed (it joined over TLS), what it sends is sealed under its own key
 * and what it receives must open under one of the room's keys, once; a plain session's media
 * passes as it is. MediaSocket uses it; so can a program that builds datagrams itself (a bot, a
 * load generator). Call close() when done, so it stops following the session's keys.
 */
export class SessionMediaSeal {
  readonly #session: Session;
  readonly #kind: 'audio' | 'video';
  /** Room keys by the epoch byte datagrams carry. */
  readonly #openKeys = new Map<number, MediaKey>();
  readonly #window = new ReplayWindow();
  readonly #onRoomKeys = (keys: readonly RoomMediaKeyInfo[]): void => {
    this.#openKeys.clear();
    for (const { epoch, key } of keys)
      this.#openKeys.set(epoch & 0xff, deriveMediaKey(key, this.#kind, 'down'));
  };
  #sealer: MediaSealer | null = null;
  /** The session key the sealer was made from: a rejoin brings another. */
  #sealerFor: Buffer | undefined;

  constructor(session: Session, kind: 'audio' | 'video') {
    this.#session = session;
    this.#kind = kind;
    session.on('roomMediaKeys', this.#onRoomKeys);
    this.#onRoomKeys(session.roomMediaKeys);
  }

  /** A (version 1) datagram as it goes on the wire: sealed when the session's media is. */
  seal(datagram: Buffer): Buffer {
    const mediaKey = this.#session.mediaKey;
    if (mediaKey === undefined) return datagram;
    if (this.#sealerFor !== mediaKey) {
      this.#sealer = new MediaSealer(deriveMediaKey(mediaKey, this.#kind, 'up'));
      this.#sealerFor = mediaKey;
    }
    return (this.#sealer as MediaSealer).seal(datagram);
  }

  /**
   * A received datagram as its version-1 datagram, or null to drop it: for a sealed session,
   * anything not sealed under one of the room's keys, or replayed; for a plain one, anything
   * sealed.
   */
  open(bytes: Buffer): Buffer | null {
    if (this.#session.mediaKey === undefined) return isSealedDatagram(bytes) ? null : bytes;
    const key = this.#openKeys.get(bytes[DATAGRAM_KEY_EPOCH_OFFSET]);
    if (key === undefined || !isSealedDatagram(bytes)) return null;
    return openSealedDatagram(bytes, key, this.#window);
  }

  /** What arrives next is sealed by another sender (the room moved node): its own counters. */
  resetReplayWindow(): void {
    this.#window.reset();
  }

  /** Stops following the session's room keys. */
  close(): void {
    this.#session.off('roomMediaKeys', this.#onRoomKeys);
  }
}
