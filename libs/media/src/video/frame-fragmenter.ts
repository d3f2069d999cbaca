import { VIDEO_FRAGMENT_MAX_PIECE } from '@sapora/protocol';

export interface FramePiece {
  frameId: number;
  index: number;
  count: number;
  piece: Buffer;
}

/** Cuts each frame into pieces that fit one datagram, numbering frames in order (u32, wrapping). */
export class FrameFragmenter {
  readonly #maxPiece: number;
  #frameId = 0;

  constructor(maxPiece = VIDEO_FRAGMENT_MAX_PIECE) {
    if (maxPiece < 1) throw new RangeError('pieces must hold at least one byte');
    this.#maxPiece = maxPiece;
  }

  /**
   * The pieces of one frame, as views of it (no copy). An empty frame is one empty piece.
   * `maxPiece` overrides the constructor's for this frame (the server's size can change on a
   * rejoin while frame ids go on).
   */
  fragment(frame: Buffer, maxPiece = this.#maxPiece): FramePiece[] {
    if (maxPiece < 1) throw new RangeError('pieces must hold at least one byte');
    this.#frameId = (this.#frameId + 1) >>> 0;
    const count = Math.max(1, Math.ceil(frame.length / maxPiece));
    if (count > 0xffff)
      throw new RangeError(`a frame of ${frame.length} bytes needs more than 65535 fragments`);
    const pieces: FramePiece[] = [];
    for (let index = 0; index < count; index++) {
      pieces.push({
        frameId: this.#frameId,
        index,
        count,
        piece: frame.subarray(index * maxPiece, (index + 1) * maxPiece),
      });
    }
    return pieces;
  }
}
