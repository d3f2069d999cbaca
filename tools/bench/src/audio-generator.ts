/**
 * The audio benchmark's load as a process of its own, so that it can run in its own network
 * namespace and on its own cores (audio-bench.ts starts it). For each load in turn it joins
 * rooms of SAPORA_BENCH_ROOM_SIZE through control, everyone talks for the warm-up and the
 * window, and it prints `heard <load> <mixes per second> <p99 of its own tick lateness, ms>`
 * once the window closes; then
 * everyone leaves. `done` after the last load. A load is `<count>` or, for the encryption
 * comparison, `<count>/<plain|sealed>/<talkers per room>/<window ms>/<label>` (plain: joined
 * over plain TCP, media plain; the label only tells steps apart).
 */
import { AudioSpeakers } from './audio-speakers';

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const host = setting('SAPORA_BENCH_SERVER');
  const controlPort = Number(setting('SAPORA_BENCH_CONTROL_PORT'));
  const audioPort = Number(setting('SAPORA_BENCH_AUDIO_PORT'));
  const roomSize = Number(setting('SAPORA_BENCH_ROOM_SIZE'));
  const warmupMs = Number(setting('SAPORA_BENCH_WARMUP_MS'));
  const windowMs = Number(setting('SAPORA_BENCH_WINDOW_MS'));
  const loads = setting('SAPORA_BENCH_LOADS').split(',');
  for (const [step, load] of loads.entries()) {
    const [count, mode, talkers, window] = load.split('/');
    const speakers = await AudioSpeakers.join({
      host,
      controlPort,
      count: Number(count),
      roomSize,
      meetingPrefix: `bench-${step}`,
      audioPort,
      plain: mode === 'plain',
      talkersPerRoom: talkers === undefined ? undefined : Number(talkers),
    });
    const heardPerSecond = await speakers.talk(
      warmupMs,
      window === undefined ? windowMs : Number(window),
    );
    console.log(`heard ${load} ${heardPerSecond} ${speakers.tickLatenessP99Ms}`);
    await speakers.leave();
    // Let the mixer see everyone gone before the next load joins.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
  }
  console.log('done');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
