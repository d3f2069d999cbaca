const SOI = 0xd8;
const EOI = 0xd9;

/**
 * Cuts a stream of concatenated JPEGs (ffmpeg's image2pipe/mjpeg output) into whole images:
 * each runs from an FF D8 marker to the next FF D9. Inside a JPEG's coded data a 0xFF byte is
 * always followed by 00 or a restart marker, so FF D9 ends the image and nothing else.
 */
export class JpegStreamSplitter {
  readonly #maxFrameBytes: number;
  #scan: Buffer = Buffer.alloc(0);

  constructor(maxFrameBytes = 4 * 1024 * 1024) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Adds bytes; returns the images they complete. */
  push(chunk: Buffer): Buffer[] {
    this.#scan = this.#scan.length === 0 ? chunk : Buffer.concat([this.#scan, chunk]);
    const images: Buffer[] = [];
    for (;;) {
      const start = this.#find(SOI, 0);
      if (start < 0) {
        // Keep a trailing 0xFF: it may be the first half of the next marker.
        this.#scan = this.#scan.subarray(
          this.#scan.length > 0 && this.#scan[this.#scan.length - 1] === 0xff
            ? this.#scan.length - 1
            : this.#scan.length,
        );
        break;
      }
      const end = this.#find(EOI, start + 2);
      if (end < 0) {
        this.#scan = this.#scan.subarray(start);
        // A stream that never ends an image must not grow without bound.
        if (this.#scan.length > this.#maxFrameBytes) this.#scan = Buffer.alloc(0);
        break;
      }
      images.push(Buffer.from(this.#scan.subarray(start, end + 2)));
      this.#scan = this.#scan.subarray(end + 2);
    }
    return images;
  }

  #find(marker: number, from: number): number {
    for (let i = from; i + 1 < this.#scan.length; i++) {
      if (this.#scan[i] === 0xff && this.#scan[i + 1] === marker) return i;
    }
    return -1;
  }
}
