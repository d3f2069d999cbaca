import { RoomKeyState, RoomSealer } from '@sapora/coordination';
import { JitterBuffer, JitterBufferOptions, RoomMixer, SpeakerDetector } from '@sapora/media';
import { encodeAudioDatagram, participantIdToBytes } from '@sapora/protocol';

/** One participant as the mixer sees them: their jitter buffer and where to send their mix. */
export interface AudioParticipant {
  readonly participantId: string;
  /** The id as the 16 bytes a mix datagram names its loudest voice with. */
  readonly idBytes: Buffer;
  readonly jitter: JitterBuffer;
  address: string | null;
  port: number;
  /** Their media is sealed: mixes go to them sealed under the room's key. */
  sealed: boolean;
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
 *
 * Mixes are numbered per room (one sequence number per tick that mixed anything), so everyone
 * who hears the same mix gets the same datagram: it is encoded, and sealed, once per tick for
 * all of them rather than once per listener.
 */
export class AudioRoom {
  readonly meetingId: string;
  readonly #mixer: RoomMixer;
  readonly #jitterOptions: JitterBufferOptions;
  readonly #participants = new Map<string, AudioParticipant>();
  readonly #speakers: SpeakerDetector;
  readonly #onSpeakers: (room: AudioRoom, speakers: string[]) => void;
  readonly #sealer: RoomSealer;
  #sequence = 0;
  /** This tick's last encoding, reused while listeners get the same mix. */
  #lastMixed: Int16Array | null = null;
  #lastSpeaker: Buffer | null = null;
  #lastPlain: Buffer | null = null;
  /** Undefined: not sealed yet; null: cannot be (the room's key is not known here yet). */
  #lastSealed: Buffer | null | undefined = undefined;
  readonly #level = (senderId: string, meanAbs: number): void =>
    this.#speakers.level(senderId, meanAbs);

  /** `onSpeakers` hears when the room's speakers change (a few times a second at most). */
  constructor(
    meetingId: string,
    jitterOptions: JitterBufferOptions,
    roomKey: RoomKeyState,
    onSpeakers: (room: AudioRoom, speakers: string[]) => void = () => undefined,
  ) {
    this.meetingId = meetingId;
    this.#sealer = new RoomSealer(roomKey, 'audio');
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
        sealed: false,
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
   * One frame period: a frame from each sender with something to play, a mix to each listener
   * (`send` gets the datagram: plain or sealed as the listener's media is, its token field
   * naming the loudest voice in the mix, zeros for nobody). `played` hears when each mixed
   * frame had arrived, for the added-latency figure. A listener's mix cannot be sealed while
   * the room's key is not known here yet: they get nothing that tick (counted by the caller).
   */
  tick(
    timestamp: number,
    send: (participant: AudioParticipant, address: string, datagram: Buffer | null) => void,
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
    let sequenced = false;
    this.#lastMixed = null;
    this.#mixer.mix((listenerId, mixed, speakerId) => {
      if (!sequenced) {
        this.#sequence = (this.#sequence + 1) >>> 0;
        sequenced = true;
      }
      const listener = this.#participants.get(listenerId);
      if (listener === undefined || listener.address === null) return;
      const speaker =
        speakerId === null ? null : (this.#participants.get(speakerId)?.idBytes ?? null);
      if (mixed !== this.#lastMixed || speaker !== this.#lastSpeaker) {
        this.#lastMixed = mixed;
        this.#lastSpeaker = speaker;
        this.#lastPlain = null;
        this.#lastSealed = undefined;
      }
      // Each form made once per distinct mix, and only if someone gets it (a room of sealed
      // listeners seals straight from the samples).
      if (!listener.sealed) {
        this.#lastPlain ??= encodeAudioDatagram(speaker, this.#sequence, timestamp, mixed);
        return send(listener, listener.address, this.#lastPlain);
      }
      if (this.#lastSealed === undefined)
        this.#lastSealed = this.#sealer.sealAudio(speaker, this.#sequence, timestamp, mixed);
      send(listener, listener.address, this.#lastSealed);
    }, this.#level);
    const speakers = this.#speakers.tick();
    if (speakers !== null) this.#onSpeakers(this, speakers);
  }
}
