import { performance } from 'node:perf_hooks';
import { RemoteInfo } from 'node:dgram';
import { AddressInfo } from 'node:net';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { LiveSessionCache, MembershipEvent } from '@sapora/coordination';
import { LatencyWindow, MixClock } from '@sapora/media';
import {
  DatagramFlags,
  DatagramKind,
  encodeAudioDatagram,
  readAudioSamples,
} from '@sapora/protocol';
import { Logger, UdpEndpoint } from '@sapora/service-kit';
import { AudioConfig } from '../config/audio-config';
import { LOGGER } from '@sapora/service-kit';
import { AudioParticipant, AudioRoom } from '../rooms/audio-room';

const round = (value: number): number | null =>
  Number.isNaN(value) ? null : Math.round(value * 100) / 100;

export interface AudioStats {
  received: number;
  malformed: number;
  unauthenticated: number;
  wrongFrameSize: number;
  sent: number;
  rooms: number;
  missedTicks: number;
  /** Lateness of mix ticks behind their deadline, last tick, ms. */
  lastTickLatenessMs: number;
}

/**
 * The audio service's UDP edge and mixing loop. Datagrams from live sessions go into their
 * sender's jitter buffer; one drift-free clock ticks every room once per frame period.
 */
@Injectable()
export class AudioServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #endpoint: UdpEndpoint;
  readonly #clock: MixClock;
  readonly #rooms = new Map<string, AudioRoom>();
  readonly #scratch: Int16Array;
  readonly #stats: AudioStats = {
    received: 0,
    malformed: 0,
    unauthenticated: 0,
    wrongFrameSize: 0,
    sent: 0,
    rooms: 0,
    missedTicks: 0,
    lastTickLatenessMs: 0,
  };
  #tickTimestamp = 0;
  #tickStartedAt = 0;
  readonly #addedLatency = new LatencyWindow();
  readonly #tickLateness = new LatencyWindow();
  #statsTimer: NodeJS.Timeout | null = null;
  #missedAtLastLog = 0;
  #address: AddressInfo | null = null;

  constructor(
    private readonly config: AudioConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly sessions: LiveSessionCache,
  ) {
    this.#scratch = new Int16Array(config.AUDIO_FRAME_SAMPLES);
    this.#endpoint = new UdpEndpoint(
      {
        host: config.AUDIO_HOST,
        port: config.AUDIO_PORT,
        receiveBufferBytes: 4 * 1024 * 1024,
        sendBufferBytes: 4 * 1024 * 1024,
      },
      (datagram, from) => this.#onDatagram(datagram, from),
    );
    const periodMs = (config.AUDIO_FRAME_SAMPLES / config.AUDIO_SAMPLE_RATE) * 1000;
    this.#clock = new MixClock(periodMs, (tick) => this.#tick(tick.latenessMs));
  }

  get address(): AddressInfo {
    if (this.#address === null) throw new Error('audio server is not listening');
    return this.#address;
  }

  get stats(): AudioStats {
    return { ...this.#stats, rooms: this.#rooms.size, missedTicks: this.#clock.missed };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.#address = await this.#endpoint.bind();
    this.#clock.start();
    this.#statsTimer = setInterval(() => this.#logStats(), this.config.AUDIO_STATS_INTERVAL_MS);
    this.#statsTimer.unref();
    this.logger.info(
      {
        host: this.#address.address,
        port: this.#address.port,
        frameSamples: this.config.AUDIO_FRAME_SAMPLES,
      },
      `audio listening on ${this.#address.address}:${this.#address.port} (UDP)`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#clock.close();
    if (this.#statsTimer !== null) clearInterval(this.#statsTimer);
    await this.#endpoint.close();
  }

  /** Membership events from control keep the token cache and the rooms current. */
  onMembership(event: MembershipEvent): void {
    if (!this.sessions.apply(event)) return;
    const room = this.#rooms.get(event.meetingId);
    room?.remove(event.participantId);
    if (room?.size === 0) this.#rooms.delete(event.meetingId);
    this.logger.debug(
      { meetingId: event.meetingId, participantId: event.participantId, kind: event.kind },
      'dropped from audio',
    );
  }

  #onDatagram(bytes: Buffer, from: RemoteInfo): void {
    const admitted = this.sessions.admit(bytes, this.#stats);
    if (admitted === null) return;
    const { datagram, session } = admitted;
    let room = this.#rooms.get(session.meetingId);
    if (room === undefined) {
      room = new AudioRoom(session.meetingId, {
        frameSamples: this.config.AUDIO_FRAME_SAMPLES,
        sampleRate: this.config.AUDIO_SAMPLE_RATE,
        maxDelayMs: this.config.AUDIO_JITTER_MAX_MS,
      });
      this.#rooms.set(session.meetingId, room);
    }
    const participant = room.participant(session.participantId);
    // Behind NAT the source port is not the one the client bound: answer where it came from.
    participant.address = from.address;
    participant.port = from.port;
    if (datagram.kind !== DatagramKind.Audio || (datagram.flags & DatagramFlags.Silence) !== 0)
      return;
    if (datagram.body.length !== this.#scratch.length * 2) {
      this.#stats.wrongFrameSize++;
      return;
    }
    readAudioSamples(datagram.body, this.#scratch);
    participant.jitter.push(
      datagram.sequence,
      datagram.timestamp,
      this.#scratch,
      performance.now(),
    );
  }

  #tick(latenessMs: number): void {
    this.#stats.lastTickLatenessMs = latenessMs;
    this.#tickLateness.add(latenessMs);
    this.#tickStartedAt = performance.now();
    this.#tickTimestamp = (this.#tickTimestamp + this.config.AUDIO_FRAME_SAMPLES) >>> 0;
    for (const room of this.#rooms.values()) room.tick(this.#send, this.#played);
  }

  readonly #played = (arrivalMs: number): void => {
    if (!Number.isNaN(arrivalMs)) this.#addedLatency.add(this.#tickStartedAt - arrivalMs);
  };

  /** Figures for operators (and the benchmark): one log line per interval, then a fresh window. */
  #logStats(): void {
    let participants = 0;
    for (const room of this.#rooms.values()) participants += room.size;
    this.logger.info(
      {
        ...this.stats,
        participants,
        missedTicksInWindow: this.#clock.missed - this.#missedAtLastLog,
        tickLatenessP99Ms: round(this.#tickLateness.percentile(99)),
        addedLatencyP50Ms: round(this.#addedLatency.percentile(50)),
        addedLatencyP99Ms: round(this.#addedLatency.percentile(99)),
      },
      'audio stats',
    );
    this.#missedAtLastLog = this.#clock.missed;
    this.#tickLateness.reset();
    this.#addedLatency.reset();
  }

  readonly #send = (participant: AudioParticipant, address: string, mixed: Int16Array): void => {
    participant.sequence = (participant.sequence + 1) >>> 0;
    this.#endpoint.send(
      encodeAudioDatagram(null, participant.sequence, this.#tickTimestamp, mixed),
      participant.port,
      address,
    );
    this.#stats.sent++;
  };
}
