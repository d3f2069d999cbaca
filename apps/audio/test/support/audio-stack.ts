import { AudioClient, Session, toneSource } from '@sapora/client';
import { LiveSessionCache } from '@sapora/coordination';
import { toneAmplitude } from '@sapora/media';
import { createLogger, RunningService } from '@sapora/service-kit';
import { ServiceStack, waitFor } from '@sapora/testing';
import { audioService } from '../../src/audio-service';
import { AudioConfig } from '../../src/config/audio-config';
import { AudioServer } from '../../src/server/audio-server';

export const HEARTBEAT_MS = 200;
export const RATE = 44_100;
export const FRAME = 512;
/** A tone this loud in a recording is heard; one below ABSENT is not there. */
export const AUDIBLE = 0.15;
export const ABSENT = 0.02;

/** Redis, the built control service as its own process, and the audio service in-process. */
export class AudioStack {
  readonly #services = new ServiceStack();
  controlPort = 0;
  audio!: RunningService<AudioConfig>;
  readonly #clients: Array<{ session: Session; audio: AudioClient }> = [];

  async start(): Promise<void> {
    await this.#services.start(['control'], {
      HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      IDLE_TIMEOUT_MS: '1500',
      SWEEP_INTERVAL_MS: '50',
    });
    this.controlPort = this.#services.ports.get('control') ?? 0;
    this.audio = await audioService.start(
      {
        REDIS_URL: this.#services.redisUrl,
        AUDIO_HOST: '127.0.0.1',
        AUDIO_PORT: '0',
        // These tests judge what is heard, on a shared machine whose clients, mixer and proxy
        // may wait 100 ms for a core: the buffers may deepen as far as that takes. The LAN cap
        // (25 ms) is a latency setting, measured by bench:audio.
        AUDIO_JITTER_TARGET_MAX_MS: '1000',
        NODE_ENV: 'test',
      },
      { logger: createLogger('audio', { level: 'silent', nodeEnv: 'test' }) },
    );
  }

  get redisUrl(): string {
    return this.#services.redisUrl;
  }

  get server(): AudioServer {
    return this.audio.app.get(AudioServer);
  }

  /** Whether the audio service holds this session's media token as live (it learns by events). */
  knows(session: Session): boolean {
    const token = session.mediaToken;
    if (token === undefined) throw new Error(`${session.username} has no media token`);
    return this.audio.app.get(LiveSessionCache).get(token.toString('hex')) !== undefined;
  }

  /** Joins a meeting and opens audio; `port` lets a test put a proxy in the way. */
  async join(
    username: string,
    meetingId: string,
    port = this.audio.address.port,
  ): Promise<{ session: Session; audio: AudioClient }> {
    const session = new Session({ host: '127.0.0.1', port: this.controlPort, username, meetingId });
    await session.connect();
    const audio = new AudioClient({ session, host: '127.0.0.1', port, keepaliveMs: 100 });
    await audio.start();
    const client = { session, audio };
    this.#clients.push(client);
    return client;
  }

  static tone(hz: number) {
    return toneSource(hz, RATE, FRAME, 0.3);
  }

  async stop(): Promise<void> {
    for (const { session, audio } of this.#clients) {
      audio.close();
      await session.leave();
    }
    await this.audio.app.close();
    await this.#services.stop();
  }
}

/**
 * The next `frames` frames a client plays out (the room's mix, or silence when none came), in
 * order. Counted rather than timed: a loaded machine cannot shorten the recording.
 */
export function record(
  audio: AudioClient,
  frames: number,
  { timeoutMs = 20_000 } = {},
): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const all = new Int16Array(frames * FRAME);
    let played = 0;
    const onFrame = (frame: Int16Array): void => {
      all.set(frame, played * FRAME);
      if (++played < frames) return;
      clearTimeout(timer);
      audio.off('frame', onFrame);
      resolve(all);
    };
    const timer = setTimeout(() => {
      audio.off('frame', onFrame);
      reject(new Error(`only ${played} of ${frames} frames played within ${timeoutMs} ms`));
    }, timeoutMs);
    audio.on('frame', onFrame);
  });
}

export const level = (samples: Int16Array, hz: number): number => toneAmplitude(samples, hz, RATE);

/**
 * Waits until a receiving client's playout carries every one of `tones` (a quarter second at a
 * time), so that what a test records next is the steady mix, not its start.
 */
export async function untilHears(audio: AudioClient, tones: number[], what: string): Promise<void> {
  await waitFor(
    async () => {
      const heard = await record(audio, 20);
      return tones.every((hz) => level(heard, hz) > AUDIBLE);
    },
    { timeoutMs: 15_000, intervalMs: 0, what },
  );
}
