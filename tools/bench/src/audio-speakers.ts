import { createSocket, Socket } from 'node:dgram';
import { LatencyWindow, MixClock, ToneSource } from '@sapora/media';
import { Session, SessionMediaSeal } from '@sapora/client';
import {
  AUDIO_FRAME_SAMPLES,
  AUDIO_SAMPLE_RATE,
  encodeAudioDatagram,
  encodeKeepalive,
} from '@sapora/protocol';

interface Speaker {
  session: Session;
  socket: Socket;
  host: string;
  port: number;
  token: Buffer;
  /** Seals what it sends as its session's media must be (plain sessions: as it is). */
  seal: SessionMediaSeal;
  tone: ToneSource;
  /** Talks every frame; otherwise muted: a keepalive a second, as a muted client sends. */
  talks: boolean;
  sequence: number;
  heard: number;
}

/** Frames between a muted participant's keepalives (about a second). */
const KEEPALIVE_TICKS = Math.round(AUDIO_SAMPLE_RATE / AUDIO_FRAME_SAMPLES);

/** Mixes a load of `count` participants is owed each second (one per participant per frame). */
export const owedMixesPerSecond = (count: number): number =>
  (count * AUDIO_SAMPLE_RATE) / AUDIO_FRAME_SAMPLES;

/**
 * The audio benchmarks' load: `count` participants in rooms of `roomSize`, everyone talking
 * (a tone each), one socket each and one drift-free clock for all, counting the mixes they get.
 */
export class AudioSpeakers {
  readonly #speakers: Speaker[];
  readonly #clock: MixClock;
  /** How late the speakers' clock ticked: a late tick sends a burst the mixer must absorb. */
  readonly #lateness = new LatencyWindow();

  private constructor(speakers: Speaker[]) {
    this.#speakers = speakers;
    let timestamp = 0;
    this.#clock = new MixClock((AUDIO_FRAME_SAMPLES / AUDIO_SAMPLE_RATE) * 1000, (tick) => {
      this.#lateness.add(tick.latenessMs);
      timestamp += AUDIO_FRAME_SAMPLES;
      const keepalive = tick.index % KEEPALIVE_TICKS === 0;
      for (const speaker of speakers) {
        if (!speaker.talks) {
          if (keepalive)
            speaker.socket.send(
              speaker.seal.seal(encodeKeepalive(speaker.token, speaker.sequence)),
              speaker.port,
              speaker.host,
            );
          continue;
        }
        speaker.sequence++;
        speaker.socket.send(
          speaker.seal.seal(
            encodeAudioDatagram(speaker.token, speaker.sequence, timestamp, speaker.tone.next()),
          ),
          speaker.port,
          speaker.host,
        );
      }
    });
  }

  /**
   * Joins them through control at `host` (loopback by default). `audioPort`: where every speaker
   * sends (to `host`); without it, each sends where its join reply places its room (the session
   * asks for audio).
   */
  static async join(options: {
    host?: string;
    controlPort: number;
    count: number;
    roomSize: number;
    meetingPrefix: string;
    audioPort?: number;
    /** Join over plain TCP (the server must allow it): the media is plain too. */
    plain?: boolean;
    /** Who talks in each room (the first this many); the rest are muted. All by default. */
    talkersPerRoom?: number;
  }): Promise<AudioSpeakers> {
    const { host = '127.0.0.1', controlPort, count, roomSize, meetingPrefix, audioPort } = options;
    const speakers: Speaker[] = [];
    for (let i = 0; i < count; i++) {
      const session = new Session({
        host,
        port: controlPort,
        username: `s${i}`,
        meetingId: `${meetingPrefix}-${Math.floor(i / roomSize)}`,
        ...(audioPort === undefined ? { media: ['audio' as const] } : {}),
        ...(options.plain === true
          ? { trust: { insecure: true, onInsecureConnection: () => undefined } }
          : {}),
      });
      const info = await session.connect();
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, resolve));
      const endpoint =
        audioPort === undefined ? session.endpoint('audio') : { host, port: audioPort };
      const speaker: Speaker = {
        session,
        socket,
        host: endpoint.host,
        port: endpoint.port,
        token: Buffer.from(info.mediaToken),
        seal: new SessionMediaSeal(session, 'audio'),
        tone: new ToneSource(200 + (i % roomSize) * 110, AUDIO_SAMPLE_RATE, AUDIO_FRAME_SAMPLES),
        talks: i % roomSize < (options.talkersPerRoom ?? roomSize),
        sequence: 0,
        heard: 0,
      };
      socket.on('message', () => speaker.heard++);
      socket.send(speaker.seal.seal(encodeKeepalive(speaker.token, 0)), speaker.port, speaker.host);
      speakers.push(speaker);
    }
    return new AudioSpeakers(speakers);
  }

  /**
   * Talks for `warmupMs + windowMs`, then stops: the mixes received per second over the window
   * (the warm-up, with its joins settling, is not counted). `onWindow` runs as the window opens.
   */
  async talk(warmupMs: number, windowMs: number, onWindow?: () => void): Promise<number> {
    this.#clock.start();
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    onWindow?.();
    this.#lateness.reset();
    const before = this.#heard();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const perSecond = (this.#heard() - before) / (windowMs / 1000);
    this.#clock.close();
    return perSecond;
  }

  /** p99 of how late the speakers' clock ticked during the last window, ms. */
  get tickLatenessP99Ms(): number {
    return this.#lateness.percentile(99);
  }

  async leave(): Promise<void> {
    for (const speaker of this.#speakers) {
      speaker.socket.close();
      speaker.seal.close();
      await speaker.session.leave();
    }
  }

  #heard(): number {
    return this.#speakers.reduce((sum, s) => sum + s.heard, 0);
  }
}
