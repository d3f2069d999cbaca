import { ChildProcess, spawn } from 'node:child_process';
import { ByteQueue } from '@sapora/protocol';
import { AudioSource } from './audio-client';

/** How PCM is spoken to and from ffmpeg: 16-bit little-endian mono at the session's rate. */
function pcmArgs(sampleRate: number): string[] {
  return ['-f', 's16le', '-ac', '1', '-ar', String(sampleRate)];
}

/** Where ffmpeg finds the sound system: PulseAudio (also PipeWire) or ALSA. */
export type AudioDevice = 'pulse' | 'alsa';

/**
 * Audio from anything ffmpeg can read, cut into frames: a microphone (`-f pulse -i default`),
 * a file played in real time (`-re -i talk.wav`), or a test signal (`-f lavfi -i sine=440`).
 * next() returns null until a whole frame has arrived, so a slow start sends nothing rather
 * than noise. At most about half a second is kept: a source faster than real time is cut.
 */
export class FfmpegAudioSource implements AudioSource {
  readonly #process: ChildProcess;
  readonly #frameBytes: number;
  readonly #frame: Int16Array;
  readonly #pending = new ByteQueue();
  #error = '';

  constructor(inputArgs: string[], sampleRate: number, frameSamples: number) {
    this.#frameBytes = frameSamples * 2;
    this.#frame = new Int16Array(frameSamples);
    this.#process = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        ...inputArgs,
        ...pcmArgs(sampleRate),
        'pipe:1',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const maxBytes = sampleRate; // half a second of 16-bit samples
    const { stdout, stderr } = this.#process;
    stdout?.on('data', (chunk: Buffer) => {
      this.#pending.push(chunk);
      this.#pending.trimTo(maxBytes);
    });
    stderr?.on('data', (chunk: Buffer) => (this.#error += chunk.toString()));
    this.#process.on('error', (error) => (this.#error += error.message));
  }

  /** What ffmpeg said went wrong, if anything (e.g. no such device). */
  get error(): string {
    return this.#error.trim();
  }

  /** Captures the default microphone of the sound system. */
  static microphone(
    device: AudioDevice,
    sampleRate: number,
    frameSamples: number,
  ): FfmpegAudioSource {
    return new FfmpegAudioSource(['-f', device, '-i', 'default'], sampleRate, frameSamples);
  }

  /** Plays an audio file (anything ffmpeg reads), converted to the mixer's format, in real time. */
  static file(path: string, sampleRate: number, frameSamples: number): FfmpegAudioSource {
    return new FfmpegAudioSource(['-re', '-i', path], sampleRate, frameSamples);
  }

  /** The next frame captured, or null when none is ready. */
  next(): Int16Array | null {
    if (this.#pending.length < this.#frameBytes) return null;
    const bytes = this.#pending.take(this.#frameBytes);
    for (let i = 0; i < this.#frame.length; i++) this.#frame[i] = bytes.readInt16LE(2 * i);
    return this.#frame;
  }

  /** Stops ffmpeg. */
  close(): void {
    this.#process.kill('SIGTERM');
  }
}

/** Plays frames on the speakers through ffmpeg (PulseAudio or ALSA). */
export class FfmpegSpeakerSink {
  readonly #process: ChildProcess;

  constructor(device: AudioDevice, sampleRate: number) {
    this.#process = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        ...pcmArgs(sampleRate),
        '-i',
        'pipe:0',
        '-f',
        device,
        'default',
      ],
      {
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
    this.#process.on('error', () => undefined);
    this.#process.stdin?.on('error', () => undefined);
  }

  /** Plays one frame. */
  write(frame: Int16Array): void {
    const bytes = Buffer.allocUnsafe(frame.length * 2);
    for (let i = 0; i < frame.length; i++) bytes.writeInt16LE(frame[i], 2 * i);
    this.#process.stdin?.write(bytes);
  }

  /** Stops ffmpeg. */
  close(): void {
    this.#process.stdin?.end();
  }
}
