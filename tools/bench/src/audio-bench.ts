/**
 * Audio mixer benchmark: rooms of 5 simulated speakers, everyone talking at once, against the
 * built audio and control services in their own processes.
 *   npm run bench:audio
 * For each load it runs a few seconds and reads the mixer's own figures (its 'audio stats' log
 * line): missed frame periods, p99 lateness of the mix tick, and the latency the server adds
 * (datagram in to the mix containing it sent, p50/p99). The speakers and listeners are one
 * process on the other core: one socket each, one drift-free clock for all.
 */
import { freePort, startRedis, startServiceProcess } from '@sapora/testing';
import { figure } from './stats';
import { startTcpService } from './bench-services';
import { AudioSpeakers, owedMixesPerSecond } from './audio-speakers';

const ROOM_SIZE = 5;
const LOADS = [60, 150, 300, 400];
const RUN_MS = 4_000;

interface MixerFigures {
  participants: number;
  missedTicksInWindow: number;
  tickLatenessP99Ms: number | null;
  addedLatencyP50Ms: number | null;
  addedLatencyP99Ms: number | null;
  received: number;
  sent: number;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const controlPort = await freePort();
  const audioPort = await freePort();
  const control = await startTcpService('control', redis.url, controlPort);
  let latest: MixerFigures | null = null;
  const audio = await startServiceProcess(
    'audio',
    {
      REDIS_URL: redis.url,
      AUDIO_HOST: '127.0.0.1',
      AUDIO_PORT: String(audioPort),
      AUDIO_STATS_INTERVAL_MS: '1000',
    },
    {
      line: /audio listening/,
      onLine: (line) => {
        if (line.includes('"audio stats"')) latest = JSON.parse(line) as MixerFigures;
      },
    },
  );

  const results: Array<{ load: number; figures: MixerFigures; heardPerSecond: number }> = [];
  try {
    for (const load of LOADS) {
      const speakers = await AudioSpeakers.join({
        controlPort,
        count: load,
        roomSize: ROOM_SIZE,
        meetingPrefix: `bench-${load}`,
        audioPort,
      });
      // Skip the first window (joins, warm-up), keep the last complete one.
      const heardPerSecond = await speakers.talk(1_500, RUN_MS - 1_500);
      const figures = latest as MixerFigures | null;
      if (figures === null) throw new Error('the audio service printed no figures');
      results.push({ load, figures, heardPerSecond });
      console.log(
        `${load} participants (${load / ROOM_SIZE} rooms of ${ROOM_SIZE}): mixer saw ${figures.participants}, ` +
          `missed ticks (last second) ${figures.missedTicksInWindow}, tick lateness p99 ${figures.tickLatenessP99Ms} ms, ` +
          `added latency p50 ${figures.addedLatencyP50Ms} ms p99 ${figures.addedLatencyP99Ms} ms, ` +
          `mixes received by clients ${heardPerSecond.toFixed(0)}/s (owed ${owedMixesPerSecond(load).toFixed(0)}/s)`,
      );
      await speakers.leave();
      await new Promise((resolve) => setTimeout(resolve, 1_200));
    }
  } finally {
    await audio.stop();
    await control.stop();
    await redis.stop();
  }
  // Real time: no frame period missed, and the clients got (nearly) every mix they were owed.
  const ideal = owedMixesPerSecond;
  const realTime = results.filter(
    (r) => r.figures.missedTicksInWindow === 0 && r.heardPerSecond >= 0.98 * ideal(r.load),
  );
  console.log(
    figure(
      'audio.max_realtime_participants',
      realTime.length > 0 ? Math.max(...realTime.map((r) => r.load)) : 0,
      'participants',
      0,
    ),
  );
  for (const r of results) {
    console.log(figure(`audio.p${r.load}.missed_ticks`, r.figures.missedTicksInWindow, 'ticks', 0));
    console.log(
      figure(`audio.p${r.load}.tick_lateness_p99_ms`, r.figures.tickLatenessP99Ms ?? NaN, 'ms'),
    );
    console.log(
      figure(`audio.p${r.load}.added_latency_p50_ms`, r.figures.addedLatencyP50Ms ?? NaN, 'ms'),
    );
    console.log(
      figure(`audio.p${r.load}.added_latency_p99_ms`, r.figures.addedLatencyP99Ms ?? NaN, 'ms'),
    );
    console.log(
      figure(
        `audio.p${r.load}.mixes_delivered_pct`,
        (100 * r.heardPerSecond) / ideal(r.load),
        '%',
        1,
      ),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
