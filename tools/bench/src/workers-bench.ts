/**
 * What audio workers buy: the most participants (rooms of 5, everyone talking) the mixer keeps
 * in real time with AUDIO_WORKERS=1 and with AUDIO_WORKERS=2, against the built audio and
 * control services. Each room's speakers send to the worker control placed the room on (the
 * join reply's port). Real time: no worker missed a frame period in its last complete stats
 * window, and the clients got at least 98% of the mixes they were owed.
 *   npm run bench:workers
 * The speakers and listeners are this one process, which needs a core too: on a two-core
 * machine the second worker shares its core with them.
 */
import { freePort, startRedis, startServiceProcess } from '@sapora/testing';
import { figure } from './stats';
import { startTcpService } from './bench-services';
import { AudioSpeakers, owedMixesPerSecond } from './audio-speakers';

const ROOM_SIZE = 5;
const LOADS = [200, 300, 400, 600];
const RUN_MS = 4_500;
const WORKER_COUNTS = [1, 2];

interface WorkerFigures {
  worker?: number;
  participants: number;
  missedTicksInWindow: number;
  tickLatenessP99Ms: number | null;
  addedLatencyP99Ms: number | null;
}

interface Run {
  load: number;
  workers: WorkerFigures[];
  heardPerSecond: number;
  realTime: boolean;
}

const owed = owedMixesPerSecond;

async function measure(workerCount: number): Promise<Run[]> {
  const redis = await startRedis();
  const controlPort = await freePort();
  const audioPort = await freePort();
  const control = await startTcpService('control', redis.url, controlPort);
  // Each worker's latest stats line (its window's figures), by worker index.
  const latest = new Map<number, WorkerFigures>();
  let registered = 0;
  const audio = await startServiceProcess(
    'audio',
    {
      REDIS_URL: redis.url,
      AUDIO_HOST: '127.0.0.1',
      AUDIO_PORT: String(audioPort),
      AUDIO_WORKERS: String(workerCount),
      AUDIO_WORKER_PORTS: '0',
      AUDIO_STATS_INTERVAL_MS: '1000',
      // The load decides, not the seats a node offers (300 by default).
      AUDIO_CAPACITY: '100000',
    },
    {
      line: /audio listening/,
      onLine: (line) => {
        if (/node \S+ registered/.test(line)) registered++;
        if (!line.includes('"audio stats"')) return;
        const figures = JSON.parse(line) as WorkerFigures;
        latest.set(figures.worker ?? 0, figures);
      },
    },
  );
  const runs: Run[] = [];
  try {
    while (registered < workerCount) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const load of LOADS) {
      const speakers = await AudioSpeakers.join({
        controlPort,
        count: load,
        roomSize: ROOM_SIZE,
        meetingPrefix: `w${workerCount}-${load}`,
      });
      // Skip the first window (joins, warm-up), keep the last complete one.
      const heardPerSecond = await speakers.talk(2_000, RUN_MS - 2_000, () => latest.clear());
      const workers = [...latest.values()].sort((a, b) => (a.worker ?? 0) - (b.worker ?? 0));
      const realTime =
        workers.length === workerCount &&
        workers.every((w) => w.missedTicksInWindow === 0) &&
        heardPerSecond >= 0.98 * owed(load);
      runs.push({ load, workers, heardPerSecond, realTime });
      console.log(
        `${workerCount} worker(s), ${load} participants: ` +
          workers
            .map(
              (w) =>
                `worker ${w.worker ?? 0} ${w.participants} participants, missed ticks ${w.missedTicksInWindow}, ` +
                `tick lateness p99 ${w.tickLatenessP99Ms} ms, added p99 ${w.addedLatencyP99Ms} ms`,
            )
            .join('; ') +
          `; mixes delivered ${((100 * heardPerSecond) / owed(load)).toFixed(1)}%`,
      );
      await speakers.leave();
      await new Promise((resolve) => setTimeout(resolve, 1_200));
    }
  } finally {
    await audio.stop();
    await control.stop();
    await redis.stop();
  }
  return runs;
}

async function main(): Promise<void> {
  const results = new Map<number, Run[]>();
  for (const count of WORKER_COUNTS) results.set(count, await measure(count));
  for (const [count, runs] of results) {
    const realTime = runs.filter((run) => run.realTime).map((run) => run.load);
    console.log(
      figure(
        `audio.workers${count}.max_realtime_participants`,
        realTime.length > 0 ? Math.max(...realTime) : 0,
        'participants',
        0,
      ),
    );
    for (const run of runs) {
      console.log(
        figure(
          `audio.workers${count}.p${run.load}.mixes_delivered_pct`,
          (100 * run.heardPerSecond) / owed(run.load),
          '%',
          1,
        ),
      );
      const missed = run.workers.reduce((sum, w) => sum + w.missedTicksInWindow, 0);
      console.log(figure(`audio.workers${count}.p${run.load}.missed_ticks`, missed, 'ticks', 0));
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
