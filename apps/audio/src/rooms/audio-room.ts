import { JitterBuffer, JitterBufferOptions, RoomMixer, SpeakerDetector } from '@sapora/media';
import { participantIdToBytes } from '@sapora/protocol';

/** One participant as the mixer sees them: their jitter buffer and where to send their mix. */
export interface AudioParticipant {
  readonly participantId: string;
  /** The id as the 16 bytes a mix datagram names its loudest voice with. */
  readonly idBytes: Buffer;
  readonly jitter: JitterBuffer;
  address: string | null;
  port: number;
  /** Sequence of the next mix datagram sent to this participant. */
  sequence: number;
  /** Audio datagrams of the wrong size this participant sent (another frame size than ours). */
  wrongFrameSize: number;
  /** Muted by themselves or the host: their frames are pulled but left out of every mix. */
  muted: boolean;
  /** Frames left out of the mix because they were muted. */
  mutedFrames: number;
}

/**
 * A room's audio: a mixer and its participants. Nothing of one room is ever read by another
 * room's mix: each has its own mixer, buffers and listeners.
 */
export class AudioRoom {
  readonly meetingId: string;
  readonly #mixer: RoomMixer;
  readonly #jitterOptions: JitterBufferOptions;
  readonly #participants = new Map<string, AudioParticipant>();
  readonly #speakers: SpeakerDetector;
  readonly #onSpeakers: (room: AudioRoom, speakers: string[]) => void;
  readonly #level = (senderId: string, meanAbs: number): void =>
    this.#speakers.level(senderId, meanAbs);

  /** `onSpeakers` hears when the room's speakers change (a few times a second at most). */
  constructor(
    meetingId: string,
    jitterOptions: JitterBufferOptions,
    onSpeakers: (room: AudioRoom, speakers: string[]) => void = () => undefined,
  ) {
    this.meetingId = meetingId;
    this.#jitterOptions = jitterOptions;
    this.#mixer = new RoomMixer(jitterOptions.frameSamples);
    this.#speakers = new SpeakerDetector({
      frameMs: (jitterOptions.frameSamples / jitterOptions.sampleRate) * 1000,
    });
    this.#onSpeakers = onSpeakers;
  }

  get size(): number {
    return this.#participants.size;
  }

  participant(participantId: string): AudioParticipant {
    let participant = this.#participants.get(participantId);
    if (participant === undefined) {
      participant = {
        participantId,
        idBytes: participantIdToBytes(participantId),
        jitter: new JitterBuffer(this.#jitterOptions),
        address: null,
        port: 0,
        sequence: 0,
        wrongFrameSize: 0,
        muted: false,
        mutedFrames: 0,
      };
      this.#participants.set(participantId, participant);
      this.#mixer.addListener(participantId);
    }
    return participant;
  }

  participants(): IterableIterator<AudioParticipant> {
    return this.#participants.values();
  }

  remove(participantId: string): void {
    this.#participants.delete(participantId);
    this.#mixer.removeListener(participantId);
    this.#speakers.remove(participantId);
  }

  /**
   * One frame period: a frame from each sender with something to play, a mix to each listener.
   * `played` hears when each mixed frame had arrived, for the added-latency figure. `send` gets
   * the id bytes of the loudest voice in that mix (null: nobody speaking).
   */
  tick(
    send: (
      participant: AudioParticipant,
      address: string,
      mixed: Int16Array,
      speaker: Buffer | null,
    ) => void,
    played: (arrivalMs: number) => void,
  ): void {
    for (const participant of this.#participants.values()) {
      const frame = participant.jitter.pull();
      if (frame === null) continue;
      if (participant.muted) {
        participant.mutedFrames++;
        continue;
      }
      this.#mixer.setFrame(participant.participantId, frame);
      played(participant.jitter.lastArrivalMs);
    }
    this.#mixer.mix((listenerId, mixed, speakerId) => {
      const listener = this.#participants.get(listenerId);
      if (listener === undefined || listener.address === null) return;
      const speaker = speakerId === null ? null : this.#participants.get(speakerId);
      send(listener, listener.address, mixed, speaker?.idBytes ?? null);
    }, this.#level);
    const speakers = this.#speakers.tick();
    if (speakers !== null) this.#onSpeakers(this, speakers);
  }
}
