import { closeSync, openSync, writeSync } from 'node:fs';

const HEADER_BYTES = 44;

/**
 * Writes 16-bit mono PCM frames to a WAV file as they come. The sizes in the header are filled
 * in by close(), so a recording stopped with Ctrl-C is still a valid file.
 */
export class WavFileSink {
  readonly #fd: number;
  readonly #sampleRate: number;
  #dataBytes = 0;
  #closed = false;

  constructor(path: string, sampleRate: number) {
    this.#fd = openSync(path, 'w');
    this.#sampleRate = sampleRate;
    writeSync(this.#fd, this.#header(), 0, HEADER_BYTES, 0);
  }

  /** Samples written so far (per channel: the files are mono). */
  get samplesWritten(): number {
    return this.#dataBytes / 2;
  }

  /** Appends one frame of 16-bit samples. */
  write(frame: Int16Array): void {
    if (this.#closed) return;
    const bytes = Buffer.allocUnsafe(frame.length * 2);
    for (let i = 0; i < frame.length; i++) bytes.writeInt16LE(frame[i], 2 * i);
    writeSync(this.#fd, bytes, 0, bytes.length, HEADER_BYTES + this.#dataBytes);
    this.#dataBytes += bytes.length;
  }

  /** Finishes the header and closes the file; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    writeSync(this.#fd, this.#header(), 0, HEADER_BYTES, 0);
    closeSync(this.#fd);
  }

  #header(): Buffer {
    const header = Buffer.alloc(HEADER_BYTES);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(36 + this.#dataBytes, 4);
    header.write('WAVE', 8, 'ascii');
    header.write('fmt ', 12, 'ascii');
    header.writeUInt32LE(16, 16); // PCM format chunk size
    header.writeUInt16LE(1, 20); // PCM
    header.writeUInt16LE(1, 22); // mono
    header.writeUInt32LE(this.#sampleRate, 24);
    header.writeUInt32LE(this.#sampleRate * 2, 28); // bytes per second
    header.writeUInt16LE(2, 32); // bytes per frame
    header.writeUInt16LE(16, 34); // bits per sample
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(this.#dataBytes, 40);
    return header;
  }
}

/** A WAV file's sound, as readWav gives it. */
export interface WavContent {
  /** Samples per second. */
  sampleRate: number;
  /** The 16-bit samples, mono. */
  samples: Int16Array;
}

/** Reads back what WavFileSink wrote (16-bit PCM, mono): for tests and tools. */
export function readWav(bytes: Buffer): WavContent {
  if (
    bytes.length < HEADER_BYTES ||
    bytes.toString('ascii', 0, 4) !== 'RIFF' ||
    bytes.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new Error('not a WAV file');
  }
  if (
    bytes.readUInt16LE(20) !== 1 ||
    bytes.readUInt16LE(22) !== 1 ||
    bytes.readUInt16LE(34) !== 16
  ) {
    throw new Error('only 16-bit mono PCM WAV is read here');
  }
  const dataBytes = Math.min(bytes.readUInt32LE(40), bytes.length - HEADER_BYTES);
  const samples = new Int16Array(dataBytes >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(HEADER_BYTES + 2 * i);
  return { sampleRate: bytes.readUInt32LE(24), samples };
}
