import { performance } from 'node:perf_hooks';
import { RemoteInfo } from 'node:dgram';
import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import {
  EventPatterns,
  EventPublisher,
  LiveSessionCache,
  MembershipEvent,
  RedisLink,
  RoomSpeakersEvent,
} from '@sapora/coordination';
import { LatencyWindow, MixClock } from '@sapora/media';
import { DatagramFlags, DatagramKind, readAudioSamples } from '@sapora/protocol';
import {
  DatagramEdge,
  DatagramHandler,
  EndedSession,
  Logger,
  LOGGER,
  MembershipListener,
  NodeLoadSource,
  SessionGate,
} from '@sapora/service-kit';
import { AudioConfig } from '../config/audio-config';
import { AudioParticipant, AudioRoom } from '../rooms/audio-room';

const round = (value: number): number | null =>
  Number.isNaN(value) ? null : Math.round(value * 100) / 100;

export interface AudioStats {
  received: number;
  malformed: number;
  unauthenticated: number;
  wrongFrameSize: number;
  /** Frames of muted participants left out of the mix (participants here now). */
  muted: number;
  sent: number;
  /** Mixes not sent because the room's key was not known here yet (sealed listeners only). */
  unsealable: number;
  rooms: number;
  missedTicks: number;
  /** Lateness of mix ticks behind their deadline, last tick, ms. */
  lastTickLatenessMs: number;
}

/**
 * The audio service's mixer. Datagrams from live sessions go into their sender's jitter
 * buffer; one drift-free clock ticks every room once per frame period.
 */
@Injectable()
export class AudioServer
  implements
    DatagramHandler,
    MembershipListener,
    NodeLoadSource,
    OnModuleInit,
    BeforeApplicationShutdown
{
  #edge: DatagramEdge | null = null;
  readonly #gate: SessionGate;
  readonly #clock: MixClock;
  readonly #rooms = new Map<string, AudioRoom>();
  readonly #scratch: Int16Array;
  readonly #stats: AudioStats = {
    received: 0,
    malformed: 0,
    unauthenticated: 0,
    wrongFrameSize: 0,
    muted: 0,
    sent: 0,
    unsealable: 0,
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
  #cpuAtLastLog = process.cpuUsage();
  #loggedAt = performance.now();

  constructor(
    private readonly config: AudioConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    sessions: LiveSessionCache,
    link: RedisLink,
    private readonly events: EventPublisher,
  ) {
    this.#scratch = new Int16Array(config.AUDIO_FRAME_SAMPLES);
    this.#gate = new SessionGate('audio', sessions, link, config, logger, (session) =>
      this.#drop(session),
    );
    const periodMs = (config.AUDIO_FRAME_SAMPLES / config.AUDIO_SAMPLE_RATE) * 1000;
    this.#clock = new MixClock(periodMs, (tick) => this.#tick(tick.latenessMs));
  }

  attach(edge: DatagramEdge): void {
    this.#edge = edge;
  }

  nodeLoad(): { rooms: number; participants: number } {
    let participants = 0;
    for (const room of this.#rooms.values()) participants += room.size;
    return { rooms: this.#rooms.size, participants };
  }

  get stats(): AudioStats {
    let muted = 0;
    for (const room of this.#rooms.values())
      for (const participant of room.participants()) muted += participant.mutedFrames;
    return { ...this.#stats, muted, rooms: this.#rooms.size, missedTicks: this.#clock.missed };
  }

  onModuleInit(): void {
    this.#clock.start();
    this.#statsTimer = setInterval(() => this.#logStats(), this.config.AUDIO_STATS_INTERVAL_MS);
    this.#statsTimer.unref();
  }

  beforeApplicationShutdown(): void {
    this.#clock.close();
    if (this.#statsTimer !== null) clearInterval(this.#statsTimer);
  }

  /** Membership events from control keep the token cache and the rooms current. */
  onMembership(event: MembershipEvent): void {
    this.#gate.onMembership(event);
  }

  #drop(session: EndedSession): void {
    const room = this.#rooms.get(session.meetingId);
    room?.remove(session.participantId);
    if (room?.size === 0) this.#rooms.delete(session.meetingId);
    this.logger.debug(session, 'dropped from audio');
  }

  onDatagram(bytes: Buffer, from: RemoteInfo): void {
    const admitted = this.#gate.admit(bytes, from, this.#stats);
    if (admitted === null) return;
    const { datagram, session } = admitted;
    let room = this.#rooms.get(session.meetingId);
    if (room === undefined) {
      room = new AudioRoom(
        session.meetingId,
        {
          frameSamples: this.config.AUDIO_FRAME_SAMPLES,
          sampleRate: this.config.AUDIO_SAMPLE_RATE,
          maxDelayMs: this.config.AUDIO_JITTER_MAX_MS,
          maxTargetMs: this.config.AUDIO_JITTER_TARGET_MAX_MS,
        },
        session.roomKey,
        this.#speakersChanged,
      );
      this.#rooms.set(session.meetingId, room);
    }
    const participant = room.participant(session.participantId);
    // Behind NAT the source port is not the one the client bound: answer where it came from.
    participant.address = from.address;
    participant.port = from.port;
    participant.sealed = session.sealing !== undefined;
    // Muted (by themselves or the host): the mix leaves them out (AudioRoom.tick); their
    // buffer still runs, so an unmute picks up without a gap in its timing.
    participant.muted = session.muted === true;
    if (datagram.kind !== DatagramKind.Audio || (datagram.flags & DatagramFlags.Silence) !== 0)
      return;
    if (datagram.body.length !== this.#scratch.length * 2) {
      // A client that guessed the frame size wrong: counted per session, for the stats line.
      this.#stats.wrongFrameSize++;
      participant.wrongFrameSize++;
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
    for (const room of this.#rooms.values())
      room.tick(this.#tickTimestamp, this.#send, this.#played);
  }

  /** Who speaks changed in a room: control instances tell its members (a few times a second at most). */
  readonly #speakersChanged = (room: AudioRoom, participantIds: string[]): void => {
    const event: RoomSpeakersEvent = {
      meetingId: room.meetingId,
      participantIds,
      atMs: Date.now(),
    };
    this.events
      .emit(EventPatterns.roomSpeakers, event)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, meetingId: room.meetingId }, 'could not publish speakers'),
      );
  };

  readonly #played = (arrivalMs: number): void => {
    if (!Number.isNaN(arrivalMs)) this.#addedLatency.add(this.#tickStartedAt - arrivalMs);
  };

  /** Figures for operators (and the benchmark): one log line per interval, then a fresh window. */
  #logStats(): void {
    let participants = 0;
    const wrongFrameSizes: Record<string, number> = {};
    // The jitter buffers as a whole (drops since each joined): what shapes the added latency.
    const jitter = {
      depth: 0,
      targetDepth: 0,
      concealed: 0,
      late: 0,
      catchUpDrops: 0,
      shrinkDrops: 0,
    };
    for (const room of this.#rooms.values()) {
      participants += room.size;
      for (const participant of room.participants()) {
        if (participant.wrongFrameSize > 0)
          wrongFrameSizes[participant.participantId] = participant.wrongFrameSize;
        const buffer = participant.jitter.stats;
        jitter.depth += buffer.depth;
        jitter.targetDepth += buffer.targetDepth;
        jitter.concealed += buffer.concealed;
        jitter.late += buffer.late;
        jitter.catchUpDrops += buffer.catchUpDrops;
        jitter.shrinkDrops += buffer.shrinkDrops;
      }
    }
    // Means per participant: frames queued now, and frames aimed for.
    jitter.depth = round(jitter.depth / participants) ?? 0;
    jitter.targetDepth = round(jitter.targetDepth / participants) ?? 0;
    // This process's CPU over the interval, % of one core: what the mixer's capacity runs out of.
    const cpu = process.cpuUsage(this.#cpuAtLastLog);
    const now = performance.now();
    const cpuPct = round(((cpu.user + cpu.system) / 1000 / (now - this.#loggedAt)) * 100);
    this.#cpuAtLastLog = process.cpuUsage();
    this.#loggedAt = now;
    this.logger.info(
      {
        ...this.stats,
        participants,
        missedTicksInWindow: this.#clock.missed - this.#missedAtLastLog,
        tickLatenessP99Ms: round(this.#tickLateness.percentile(99)),
        addedLatencyP50Ms: round(this.#addedLatency.percentile(50)),
        addedLatencyP99Ms: round(this.#addedLatency.percentile(99)),
        wrongFrameSizes,
        jitter,
        cpuPct,
      },
      'audio stats',
    );
    this.#missedAtLastLog = this.#clock.missed;
    this.#tickLateness.reset();
    this.#addedLatency.reset();
  }

  /** A mix to one listener (null: it could not be sealed yet). */
  readonly #send = (
    participant: AudioParticipant,
    address: string,
    datagram: Buffer | null,
  ): void => {
    if (datagram === null) {
      this.#stats.unsealable++;
      return;
    }
    this.#edge?.send(datagram, participant.port, address);
    this.#stats.sent++;
  };
}
