/**
 * Amplitude of one frequency in a block of 16-bit samples (Goertzel), as a fraction of full
 * scale: a full-scale sine at that frequency gives about 1, one at 0.3 gives about 0.3, and
 * a frequency that is absent gives close to 0. Tests use it to tell who is audible.
 */
export function toneAmplitude(
  samples: ArrayLike<number>,
  frequencyHz: number,
  sampleRate: number,
): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (let i = 0; i < n; i++) {
    // A Hann window keeps a strong neighbouring tone from leaking into this one.
    const window = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const current = (samples[i] / 32768) * window + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power =
    previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  // The Hann window halves the coherent gain.
  return (2 * Math.sqrt(Math.max(power, 0))) / (n * 0.5);
}

/** Root mean square of 16-bit samples, as a fraction of full scale. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += (samples[i] / 32768) ** 2;
  return Math.sqrt(sum / samples.length);
}
