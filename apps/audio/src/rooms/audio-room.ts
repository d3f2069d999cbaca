import { JitterBuffer, JitterBufferOptions, RoomMixer } from '@sapora/media';

/** One participant as the mixer sees them: their jitter buffer and where to send their mix. */
export interface AudioParticipant {
  readonly participantId: string;
  readonly jitter: JitterBuffer;
  address: string | null;
  port: number;
  /** Sequence of the next mix datagram sent to this participant. */
  sequence: number;
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

  constructor(meetingId: string, jitterOptions: JitterBufferOptions) {
    this.meetingId = meetingId;
    this.#jitterOptions = jitterOptions;
    this.#mixer = new RoomMixer(jitterOptions.frameSamples);
  }

  get size(): number {
    return this.#participants.size;
  }

  participant(participantId: string): AudioParticipant {
    let participant = this.#participants.get(participantId);
    if (participant === undefined) {
      participant = {
        participantId,
        jitter: new JitterBuffer(this.#jitterOptions),
        address: null,
        port: 0,
        sequence: 0,
      };
      this.#participants.set(participantId, participant);
      this.#mixer.addListener(participantId);
    }
    return participant;
  }

  remove(participantId: string): void {
    this.#participants.delete(participantId);
    this.#mixer.removeListener(participantId);
  }

  /**
   * One frame period: a frame from each sender with something to play, a mix to each listener.
   * `played` hears when each mixed frame had arrived, for the added-latency figure.
   */
  tick(
    send: (participant: AudioParticipant, address: string, mixed: Int16Array) => void,
    played: (arrivalMs: number) => void,
  ): void {
    for (const participant of this.#participants.values()) {
      const frame = participant.jitter.pull();
      if (frame === null) continue;
      this.#mixer.setFrame(participant.participantId, frame);
      played(participant.jitter.lastArrivalMs);
    }
    this.#mixer.mix((listenerId, mixed) => {
      const listener = this.#participants.get(listenerId);
      if (listener !== undefined && listener.address !== null)
        send(listener, listener.address, mixed);
    });
  }
}
