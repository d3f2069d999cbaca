import { ToneSource } from '@sapora/media';
import { AudioSource } from './audio-client';

/** A sine tone as a microphone, for bots and tests: `tone:440`. */
export function toneSource(
  frequencyHz: number,
  sampleRate: number,
  frameSamples: number,
  amplitude = 0.3,
): AudioSource {
  const tone = new ToneSource(frequencyHz, sampleRate, frameSamples, amplitude);
  return { next: () => tone.next() };
}
