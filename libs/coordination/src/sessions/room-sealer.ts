import { deriveMediaKey, MediaKeyKind, MediaSealer } from '@sapora/protocol';
import { RoomKeyState } from './live-session-cache';

/**
 * What a media service sends a room's sealed members, sealed under the room's key as it is now:
 * it follows the key as it changes (derived again only then), one sealer per room, so its
 * counters run on across changes.
 */
export class RoomSealer {
  readonly #state: RoomKeyState;
  readonly #kind: MediaKeyKind;
  #sealer: MediaSealer | null = null;
  /** The room key the sealer's key was derived from. */
  #sealedWith: Buffer | null = null;

  constructor(state: RoomKeyState, kind: MediaKeyKind) {
    this.#state = state;
    this.#kind = kind;
  }

  /**
   * A version-1 datagram held as its header and body apart, sealed (MediaSealer.sealApart); null
   * while the room's key is not known here yet (so for sealAudio).
   */
  sealApart(header: Buffer, body: Buffer): Buffer | null {
    return this.#current()?.sealApart(header, body) ?? null;
  }

  /** A sealed datagram opened in place, sealed again there (MediaSealer.sealInPlace). */
  sealInPlace(opened: Buffer): Buffer | null {
    return this.#current()?.sealInPlace(opened) ?? null;
  }

  /** An audio datagram sealed straight from its samples (MediaSealer.sealAudio). */
  sealAudio(
    token: Uint8Array | null,
    sequence: number,
    timestamp: number,
    samples: Int16Array | null,
  ): Buffer | null {
    return this.#current()?.sealAudio(token, sequence, timestamp, samples) ?? null;
  }

  /** The sealer for the room's key as it is now; null while the key is not known here yet. */
  #current(): MediaSealer | null {
    const { key, epoch } = this.#state;
    if (key === null) return null;
    if (key !== this.#sealedWith) {
      const derived = deriveMediaKey(key, this.#kind, 'down');
      if (this.#sealer === null) this.#sealer = new MediaSealer(derived, epoch);
      else this.#sealer.rekey(derived, epoch);
      this.#sealedWith = key;
    }
    return this.#sealer;
  }
}
