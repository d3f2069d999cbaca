/**
 * Audio mixer benchmark: rooms of 5 simulated speakers, everyone talking at once, against the
 * built audio and control services in their own processes.
 *   npm run bench:audio
 * For each load it runs a few seconds and reads the mixer's own figures (its 'audio stats' log
 * line): missed frame periods, p99 lateness of the mix tick, and the latency the server adds
 * (datagram in to the mix containing it sent, p50/p99). The speakers and listeners (one socket
 * each, one drift-free clock for all) are a process of their own (audio-generator.ts) in a
 * network namespace of its own, reaching the services over a veth pair like a client on the
 * LAN; with two cores or more the mixer gets core 0 and the generator the rest, so the figures
 * measure the mixer, not the generator. Without root (no namespaces) the generator runs on
 * loopback and says so.
 *
 * Every participant's media is sealed (they join over TLS), as a deployment's are
 * (BENCH_AUDIO_MEDIA=plain: plain media for these steps). Then, for
 * the encryption figures, one load runs with plain media (joined over plain TCP, which this
 * benchmark's control allows) and sealed, four times each, alternating: the mixer's mean CPU over
 * each window (its stats lines) gives its real-time capacity with encryption as a share of that
 * without (capacity is what one core holds, so it goes as 1 / CPU at the same load). Two room
 * shapes: a meeting (one talker in each room of five, the others muted:
 * `audio.encrypted_vs_plain_pct`) and everyone talking at once, the load of the capacity figures
 * above (`audio.all_talking.encrypted_vs_plain_pct`).
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  LabProcess,
  NetworkLab,
  startListeningService,
  startRedis,
  startServiceProcess,
} from '@sapora/testing';
import { figure } from './stats';
import { owedMixesPerSecond } from './audio-speakers';

const ROOM_SIZE = 5;
/** Participants per step; BENCH_AUDIO_LOADS=300,400 measures only those. */
const LOADS = (process.env.BENCH_AUDIO_LOADS || '60,150,300,400').split(',').map(Number);
/** The steps' media: sealed (members join over TLS, as deployed), or BENCH_AUDIO_MEDIA=plain. */
const PLAIN_STEPS = process.env.BENCH_AUDIO_MEDIA === 'plain';
const stepSpec = (load: number): string => (PLAIN_STEPS ? `${load}/plain` : `${load}`);
const WARMUP_MS = 1_500;
const WINDOW_MS = 2_500;
/** Windows of the encryption comparison: long enough for several of the mixer's stats lines. */
const RATIO_WINDOW_MS = 8_000;

interface RatioShape {
  name: string;
  /** Its figures' prefix. */
  figure: string;
  count: number;
  talkers: number;
}

/** The encryption comparison's shapes (BENCH_AUDIO_RATIO=0 leaves it out). */
const RATIO_SHAPES: RatioShape[] =
  process.env.BENCH_AUDIO_RATIO === '0'
    ? []
    : [
        { name: 'one talker per room', figure: 'audio', count: 400, talkers: 1 },
        { name: 'everyone talking', figure: 'audio.all_talking', count: 200, talkers: ROOM_SIZE },
      ];

interface RatioStep {
  shape: RatioShape;
  plain: boolean;
  spec: string;
}

/** Four rounds each, plain first and sealed first in turn: a drift in the machine's speed over
 * the run (another tenant, the heap growing) weighs on both alike. */
const RATIO_STEPS: RatioStep[] = RATIO_SHAPES.flatMap((shape) =>
  ['a', 'b', 'c', 'd'].flatMap((round, i) =>
    (i % 2 === 1 ? [false, true] : [true, false]).map((plain) => ({
      shape,
      plain,
      spec: `${shape.count}/${plain ? 'plain' : 'sealed'}/${shape.talkers}/${RATIO_WINDOW_MS}/${round}`,
    })),
  ),
);

interface MixerFigures {
  participants: number;
  missedTicksInWindow: number;
  tickLatenessP99Ms: number | null;
  addedLatencyP50Ms: number | null;
  addedLatencyP99Ms: number | null;
  received: number;
  sent: number;
  jitter: { depth: number; targetDepth: number; catchUpDrops: number; shrinkDrops: number };
  /** The mixer's CPU over the last stats interval, % of one core. */
  cpuPct: number | null;
}

function labOrNull(): NetworkLab | null {
  try {
    return NetworkLab.create(['generator']);
  } catch (error) {
    console.log(`generator on loopback, sharing this host's network: ${(error as Error).message}`);
    return null;
  }
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  const mixerCpus = cores >= 2 ? '0' : undefined;
  const generatorCpus = cores >= 2 ? `1-${cores - 1}` : undefined;
  const lab = labOrNull();
  const serverHost = lab === null ? '127.0.0.1' : lab.address('here');
  const redis = await startRedis();
  const controlPort = await freePort();
  const audioPort = await freePort();
  const control = await startListeningService(
    'control',
    redis.url,
    controlPort,
    // Plain TCP too, for the plain half of the encryption comparison.
    { LOG_LEVEL: 'warn', CONTROL_HOST: serverHost, SAPORA_ALLOW_PLAINTEXT: '1' },
    { tcpPort: controlPort, tcpHost: serverHost, cpus: generatorCpus },
  );
  let latest: MixerFigures | null = null;
  /** Stats lines as they came, for the CPU over a whole window. */
  const lines: Array<{ at: number; figures: MixerFigures }> = [];
  const audio = await startServiceProcess(
    'audio',
    {
      REDIS_URL: redis.url,
      AUDIO_HOST: serverHost,
      AUDIO_PORT: String(audioPort),
      AUDIO_STATS_INTERVAL_MS: '1000',
    },
    {
      line: /audio listening/,
      cpus: mixerCpus,
      onLine: (line) => {
        if (!line.includes('"audio stats"')) return;
        latest = JSON.parse(line) as MixerFigures;
        lines.push({ at: Date.now(), figures: latest });
      },
    },
  );
  console.log(
    `${PLAIN_STEPS ? 'plain' : 'sealed'} media; mixer on CPU ${mixerCpus ?? 'any'}, generator on CPU ${generatorCpus ?? 'any'}` +
      (lab === null ? ', on loopback' : ` in its own network namespace (server ${serverHost})`),
  );

  const results: Array<{ load: number; figures: MixerFigures; heardPerSecond: number }> = [];
  const ratioCpu: Array<{ step: RatioStep; cpuPct: number }> = [];
  const generatorEnv = {
    SAPORA_BENCH_SERVER: serverHost,
    SAPORA_BENCH_CONTROL_PORT: String(controlPort),
    SAPORA_BENCH_AUDIO_PORT: String(audioPort),
    SAPORA_BENCH_ROOM_SIZE: String(ROOM_SIZE),
    SAPORA_BENCH_WARMUP_MS: String(WARMUP_MS),
    SAPORA_BENCH_WINDOW_MS: String(WINDOW_MS),
    SAPORA_BENCH_LOADS: [...LOADS.map(stepSpec), ...RATIO_STEPS.map((step) => step.spec)].join(','),
  };
  const script = join(__dirname, 'audio-generator.js');
  const command = generatorCpus === undefined ? process.execPath : 'taskset';
  const args =
    generatorCpus === undefined ? [script] : ['-c', generatorCpus, process.execPath, script];
  const generator =
    lab === null
      ? new LabProcess(
          spawn(command, args, {
            env: { PATH: process.env.PATH ?? '', ...generatorEnv },
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        )
      : lab.run('generator', command, args, generatorEnv);
  try {
    for (const load of LOADS) {
      const heard = new RegExp(`^heard ${stepSpec(load)} (\\S+) (\\S+)$`, 'm');
      // Joining a few hundred participants and talking takes seconds; a busy machine, more.
      await generator.waitForOutput(heard, `the generator's window at ${load}`, 120_000);
      const [, heardText, generatorLatenessText] = heard.exec(generator.output) ?? [];
      const heardPerSecond = Number(heardText);
      const generatorLatenessP99Ms = Number(generatorLatenessText);
      const figures = latest as MixerFigures | null;
      if (figures === null) throw new Error('the audio service printed no figures');
      results.push({ load, figures, heardPerSecond });
      console.log(
        `${load} participants (${load / ROOM_SIZE} rooms of ${ROOM_SIZE}): mixer saw ${figures.participants}, ` +
          `missed ticks (last second) ${figures.missedTicksInWindow}, tick lateness p99 ${figures.tickLatenessP99Ms} ms, ` +
          `added latency p50 ${figures.addedLatencyP50Ms} ms p99 ${figures.addedLatencyP99Ms} ms, ` +
          `mixes received by clients ${heardPerSecond.toFixed(0)}/s (owed ${owedMixesPerSecond(load).toFixed(0)}/s), ` +
          `jitter buffers: mean depth ${figures.jitter.depth} target ${figures.jitter.targetDepth} frames, ` +
          `${figures.jitter.catchUpDrops} catch-up and ${figures.jitter.shrinkDrops} shrink drops; ` +
          `the generator's own tick lateness p99 ${generatorLatenessP99Ms.toFixed(2)} ms`,
      );
    }
    for (const step of RATIO_STEPS) {
      const heard = new RegExp(`^heard ${step.spec} (\\S+) (\\S+)$`, 'm');
      await generator.waitForOutput(heard, `the generator's window at ${step.spec}`, 120_000);
      const [, heardText] = heard.exec(generator.output) ?? [];
      // The stats lines wholly inside the window (one a second): the mixer's mean CPU there.
      const inWindow = lines.filter((line) => line.at >= Date.now() - RATIO_WINDOW_MS + 1_000);
      const cpu = inWindow.map((line) => line.figures.cpuPct ?? NaN);
      const cpuPct = cpu.reduce((sum, value) => sum + value, 0) / cpu.length;
      ratioCpu.push({ step, cpuPct });
      console.log(
        `${step.shape.name}, ${step.shape.count} participants, ${step.plain ? 'plain ' : 'sealed'} media: ` +
          `mixer CPU ${cpuPct.toFixed(1)}% of a core (mean of ${cpu.length} stats lines), mixes received ${Number(heardText).toFixed(0)}/s`,
      );
    }
    await generator.waitForOutput(/^done$/m, 'the generator to finish');
  } finally {
    await generator.stop('SIGKILL');
    await lab?.close();
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
  for (const shape of RATIO_SHAPES) {
    const meanCpu = (plain: boolean): number => {
      const runs = ratioCpu.filter((r) => r.step.shape === shape && r.step.plain === plain);
      return runs.reduce((sum, r) => sum + r.cpuPct, 0) / runs.length;
    };
    const at = `${shape.figure}.p${shape.count}`;
    console.log(figure(`${at}.plain.mixer_cpu_pct`, meanCpu(true), '%', 1));
    console.log(figure(`${at}.sealed.mixer_cpu_pct`, meanCpu(false), '%', 1));
    console.log(
      figure(
        `${shape.figure}.encrypted_vs_plain_pct`,
        (100 * meanCpu(true)) / meanCpu(false),
        '%',
        1,
      ),
    );
  }
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
