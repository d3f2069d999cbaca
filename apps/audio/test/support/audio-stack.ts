import { AudioClient, Session, toneSource } from '@sapora/client';
import { createLogger } from '@sapora/service-kit';
import { ServiceStack } from '@sapora/testing';
import { AudioApp, createAudioApp } from '../../src/create-audio-app';

export const HEARTBEAT_MS = 200;
export const RATE = 44_100;
export const FRAME = 512;

/** Redis, the built control service as its own process, and the audio service in-process. */
export class AudioStack {
  readonly #services = new ServiceStack();
  controlPort = 0;
  audio!: AudioApp;
  readonly #clients: Array<{ session: Session; audio: AudioClient }> = [];

  async start(): Promise<void> {
    await this.#services.start(['control'], {
      HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      IDLE_TIMEOUT_MS: '1500',
      SWEEP_INTERVAL_MS: '50',
    });
    this.controlPort = this.#services.ports.get('control') ?? 0;
    this.audio = await createAudioApp(
      {
        REDIS_URL: this.#services.redisUrl,
        AUDIO_HOST: '127.0.0.1',
        AUDIO_PORT: '0',
        NODE_ENV: 'test',
      },
      { logger: createLogger('audio', { level: 'silent', nodeEnv: 'test' }) },
    );
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

/** Records what a client plays for a while, and returns the samples. */
export async function record(audio: AudioClient, ms: number): Promise<Int16Array> {
  const frames: Int16Array[] = [];
  const onFrame = (frame: Int16Array): void => {
    frames.push(Int16Array.from(frame));
  };
  audio.on('frame', onFrame);
  await new Promise((resolve) => setTimeout(resolve, ms));
  audio.off('frame', onFrame);
  const all = new Int16Array(frames.length * FRAME);
  frames.forEach((frame, i) => all.set(frame, i * FRAME));
  return all;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
