/**
 * Video relay benchmark, three parts in one run, each through the built video service:
 * 1. Throughput: one sender and three viewers, 1200-byte fragments of 10–30 KB frames at
 *    rising offered rates, against a bare Node UDP forwarder (receive, re-send, nothing else).
 * 2. A meeting: 8 senders of 16 members at 15 fps of 30–60 KB frames, for each datagram size
 *    (1200, 4096, 8192, 16384 bytes), and the seed's design (each frame one datagram, through
 *    the bare forwarder) as the baseline: relay CPU per delivered frame, delivered %, p99.
 * 3. Loss: one sender through a lossy proxy that drops one Ethernet packet in 1000 (a datagram
 *    over 1472 bytes is several IP fragments, lost when any is), per datagram size: frame loss.
 * 4. Encryption: the meeting at the announced size with plain media and with sealed media
 *    (members joined over TLS), alternating: `video.encrypted_vs_plain_pct`.
 * Parts 1–3 use plain media (members joined over plain TCP, which this control allows), so
 * that they measure what they always have: the cost of datagrams.
 *   npm run bench:video
 */
import { createSocket, Socket } from 'node:dgram';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Session, SessionMediaSeal } from '@sapora/client';
import { FrameFragmenter } from '@sapora/media';
import {
  DATAGRAM_HEADER_LENGTH,
  DEFAULT_VIDEO_DATAGRAM_BYTES,
  encodeKeepalive,
  encodeVideoFragment,
  VIDEO_FRAGMENT_HEADER_LENGTH,
} from '@sapora/protocol';
import { freePort, LossyProxy, startRedis, startServiceProcess } from '@sapora/testing';
import { figure, Samples } from './stats';
import { Stoppable, startTcpService } from './bench-services';
import { ChildProcess, spawn } from 'node:child_process';
import { MeetingResult, runMeeting } from './video-meeting';

const VIEWERS = 3;
const OFFERED = [10_000, 20_000, 30_000, 40_000];
const STEP_MS = 1_500;
const MEETING_MEMBERS = 16;
const MEETING_SENDERS = 8;
const MEETING_SECONDS = 3;
const SIZES = [1200, 4096, 8192, 16384];
/** Plain then sealed meetings at the announced size, this many times each... */
const ENCRYPTION_ROUNDS = 3;
/** ...and this long: the relay's CPU comes from /proc in 10 ms ticks, a few % of a core here. */
const ENCRYPTION_SECONDS = 8;
/** One link packet in this many is lost in the loss part (0.1%). */
const LOSS_EVERY_PACKETS = 1000;
const PIECE_TIME_OFFSET = DATAGRAM_HEADER_LENGTH + VIDEO_FRAGMENT_HEADER_LENGTH;

interface StepResult {
  offered: number;
  deliveredPerSecond: number;
  megabitsPerSecond: number;
  latency: ReturnType<Samples['summary']>;
}

async function udpSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(8 * 1024 * 1024);
  return socket;
}

/** Frames of 10–30 KB, pre-cut: the generator's own work per datagram stays small. */
function makeFrames(): Buffer[][] {
  const fragmenter = new FrameFragmenter();
  return Array.from({ length: 32 }, (_, i) => {
    const frame = Buffer.alloc(10_000 + ((i * 7919) % 20_000), i);
    return fragmenter.fragment(frame).map((piece) => Buffer.from(piece.piece));
  });
}

async function runTarget(
  port: number,
  token: Buffer,
  viewerTokens: Buffer[],
): Promise<StepResult[]> {
  const sender = await udpSocket();
  const viewers = await Promise.all(viewerTokens.map(() => udpSocket()));
  const latency = new Samples();
  let delivered = 0;
  let bytes = 0;
  let measuring = false;
  for (const viewer of viewers) {
    viewer.on('message', (datagram: Buffer) => {
      if (!measuring) return;
      delivered++;
      bytes += datagram.length;
      if ((delivered & 15) === 0 && datagram.length >= PIECE_TIME_OFFSET + 8)
        latency.add(performance.now() - datagram.readDoubleLE(PIECE_TIME_OFFSET));
    });
  }
  viewers.forEach((viewer, i) =>
    viewer.send(encodeKeepalive(viewerTokens[i], 0), port, '127.0.0.1'),
  );
  sender.send(encodeKeepalive(token, 0), port, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, 300));

  const frames = makeFrames();
  const results: StepResult[] = [];
  let sequence = 0;
  let frameId = 0;
  for (const offered of OFFERED) {
    delivered = 0;
    bytes = 0;
    let frameIndex = 0;
    let pieceIndex = 0;
    const started = performance.now();
    let sent = 0;
    measuring = true;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        if (elapsed >= STEP_MS) {
          clearInterval(timer);
          resolve();
          return;
        }
        const due = Math.floor((elapsed / 1000) * offered);
        while (sent < due) {
          const pieces = frames[frameIndex];
          if (pieceIndex === 0) frameId++;
          const piece = pieces[pieceIndex];
          if (piece.length >= 8) piece.writeDoubleLE(performance.now(), 0);
          sequence++;
          sender.send(
            encodeVideoFragment(token, sequence, 0, {
              frameId,
              index: pieceIndex,
              count: pieces.length,
              piece,
            }),
            port,
            '127.0.0.1',
          );
          sent++;
          pieceIndex++;
          if (pieceIndex === pieces.length) {
            pieceIndex = 0;
            frameIndex = (frameIndex + 1) % frames.length;
          }
        }
      }, 1);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    measuring = false;
    const seconds = STEP_MS / 1000;
    const summary = latency.summary();
    results.push({
      offered,
      deliveredPerSecond: delivered / seconds,
      megabitsPerSecond: (bytes * 8) / seconds / 1e6,
      latency: summary,
    });
    latency.reset();
  }
  sender.close();
  viewers.forEach((viewer) => viewer.close());
  return results;
}

function print(label: string, results: StepResult[]): void {
  for (const r of results) {
    console.log(
      `${label} offered ${r.offered} in/s (${r.offered * VIEWERS} out/s owed): delivered ${r.deliveredPerSecond.toFixed(0)}/s, ` +
        `${r.megabitsPerSecond.toFixed(1)} Mbit/s, latency p50 ${r.latency.p50.toFixed(2)} ms p99 ${r.latency.p99.toFixed(2)} ms`,
    );
  }
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const controlPort = await freePort();
  const videoPort = await freePort();
  const barePort = await freePort();
  // Plain TCP too: the figures below compare plain media with sealed.
  const control = await startTcpService('control', redis.url, controlPort, {
    SAPORA_ALLOW_PLAINTEXT: '1',
  });
  const video = await startServiceProcess(
    'video',
    {
      REDIS_URL: redis.url,
      VIDEO_HOST: '127.0.0.1',
      VIDEO_PORT: String(videoPort),
    },
    {
      line: /video listening/,
      // VIDEO_CPU_PROF=dir profiles the relay (node --cpu-prof); see cpu-profile-summary.ts.
      nodeArgs: process.env.VIDEO_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VIDEO_CPU_PROF}`]
        : [],
    },
  );
  /** Members joined over plain TCP (plain media), or over TLS (`sealed`: sealed media). */
  const join = async (room: string, count: number, sealed = false): Promise<Session[]> => {
    const joined: Session[] = [];
    for (let i = 0; i < count; i++) {
      const session = new Session({
        host: '127.0.0.1',
        port: controlPort,
        username: `v${i}`,
        meetingId: room,
        ...(sealed ? {} : { trust: { insecure: true, onInsecureConnection: () => undefined } }),
      });
      await session.connect();
      joined.push(session);
    }
    return joined;
  };
  const tokensOf = (joined: Session[]): Buffer[] =>
    joined.map((session) => Buffer.from(session.mediaToken ?? Buffer.alloc(16)));
  const sessions = await join('video-bench', VIEWERS + 1);
  const meeting = await join('video-meeting', MEETING_MEMBERS);
  const sealedMeeting = await join('video-meeting-sealed', MEETING_MEMBERS, true);
  const seals = sealedMeeting.map((session) => new SessionMediaSeal(session, 'video'));
  const tokens = tokensOf(sessions);
  const meetingTokens = tokensOf(meeting);
  const announced = meeting[0].joinInfo?.videoDatagramBytes ?? 0;
  let relay: StepResult[];
  let bare: StepResult[];
  const sizes: MeetingResult[] = [];
  let baseline: MeetingResult;
  const losses: MeetingResult[] = [];
  /** The meeting at the announced size, plain and sealed, alternating. */
  const plainRuns: MeetingResult[] = [];
  const sealedRuns: MeetingResult[] = [];
  try {
    relay = await runTarget(videoPort, tokens[0], tokens.slice(1));
    for (const datagramBytes of SIZES) {
      sizes.push(
        await runMeeting({
          port: videoPort,
          tokens: meetingTokens,
          senders: MEETING_SENDERS,
          datagramBytes,
          relayPid: video.pid,
          seconds: MEETING_SECONDS,
        }),
      );
    }
    for (let round = 0; round < ENCRYPTION_ROUNDS; round++) {
      const at = {
        port: videoPort,
        senders: MEETING_SENDERS,
        datagramBytes: announced || DEFAULT_VIDEO_DATAGRAM_BYTES,
        relayPid: video.pid,
        seconds: ENCRYPTION_SECONDS,
      };
      plainRuns.push(await runMeeting({ ...at, tokens: meetingTokens }));
      sealedRuns.push(await runMeeting({ ...at, tokens: tokensOf(sealedMeeting), seals }));
    }
    for (const datagramBytes of SIZES) {
      const pair = await join(`video-loss-${datagramBytes}`, 2);
      const proxy = await LossyProxy.start(videoPort, {
        reorderEvery: 1e9,
        duplicateEvery: 1e9,
        dropEvery: LOSS_EVERY_PACKETS,
        linkMtu: 1500,
      });
      try {
        losses.push(
          await runMeeting({
            port: videoPort,
            tokens: tokensOf(pair),
            senders: 1,
            datagramBytes,
            relayPid: video.pid,
            seconds: 3,
            fps: 75,
            firstSenderVia: proxy.port,
          }),
        );
      } finally {
        await proxy.close();
        await Promise.all(pair.map((session) => session.leave()));
      }
    }
    const bareProcess = await startBare(barePort);
    try {
      bare = await runTarget(barePort, tokens[0], tokens.slice(1));
      baseline = await runMeeting({
        port: barePort,
        tokens: meetingTokens,
        senders: MEETING_SENDERS,
        datagramBytes: 'whole',
        relayPid: bareProcess.pid,
        seconds: MEETING_SECONDS,
      });
    } finally {
      await bareProcess.stop();
    }
  } finally {
    seals.forEach((seal) => seal.close());
    await Promise.all(
      [...sessions, ...meeting, ...sealedMeeting].map((session) => session.leave()),
    );
    await video.stop();
    await control.stop();
    await redis.stop();
  }
  print('relay', relay);
  print('bare ', bare);
  console.log(
    `meeting: ${MEETING_SENDERS} senders of ${MEETING_MEMBERS} at 15 fps, 30-60 KB frames, ${MEETING_SECONDS} s each`,
  );
  for (const r of [...sizes, baseline])
    console.log(
      `  ${r.datagramBytes === 'whole' ? 'one datagram per frame (bare)' : `${r.datagramBytes}-byte datagrams`}: ` +
        `${r.datagramsPerFrame.toFixed(1)} datagrams/frame, relay ${r.relayCpuPct.toFixed(1)}% of a core, ` +
        `${r.cpuUsPerFrame.toFixed(1)} us CPU per delivered frame (${r.cpuUsPerOwedFrame.toFixed(1)} per owed), delivered ${r.framesDelivered}/${r.framesOwed} ` +
        `(${r.deliveredPct.toFixed(2)}%), frame latency p50 ${r.latency.p50.toFixed(2)} ms p99 ${r.latency.p99.toFixed(2)} ms`,
    );
  console.log(
    `loss: one link packet in ${LOSS_EVERY_PACKETS} dropped (1500-byte MTU), 1 sender, 1 viewer`,
  );
  for (const r of losses)
    console.log(
      `  ${r.datagramBytes}-byte datagrams: ${r.framesSent} frames sent, ${r.framesOwed - r.framesDelivered} lost ` +
        `(${(100 - r.deliveredPct).toFixed(2)}%)`,
    );
  const best = (results: StepResult[]) =>
    results.reduce((a, b) => (b.deliveredPerSecond > a.deliveredPerSecond ? b : a));
  const relayBest = best(relay);
  const bareBest = best(bare);
  console.log(
    figure('video.relay.max_datagrams_per_s', relayBest.deliveredPerSecond, 'datagrams/s', 0),
  );
  console.log(figure('video.relay.max_mbit_per_s', relayBest.megabitsPerSecond, 'Mbit/s', 1));
  console.log(
    figure('video.bare.max_datagrams_per_s', bareBest.deliveredPerSecond, 'datagrams/s', 0),
  );
  console.log(
    figure(
      'video.relay_vs_bare_pct',
      (100 * relayBest.deliveredPerSecond) / bareBest.deliveredPerSecond,
      '%',
      1,
    ),
  );
  for (const r of relay) {
    console.log(figure(`video.relay.at${r.offered}.p50_ms`, r.latency.p50, 'ms'));
    console.log(figure(`video.relay.at${r.offered}.p99_ms`, r.latency.p99, 'ms'));
  }
  for (const r of bare)
    console.log(figure(`video.bare.at${r.offered}.p99_ms`, r.latency.p99, 'ms'));
  for (const r of sizes) {
    const name = `video.k8m16.s${r.datagramBytes}`;
    console.log(figure(`${name}.cpu_us_per_frame`, r.cpuUsPerFrame, 'us'));
    console.log(figure(`${name}.relay_cpu_pct`, r.relayCpuPct, '%', 1));
    console.log(figure(`${name}.delivered_pct`, r.deliveredPct, '%'));
    console.log(figure(`${name}.p99_ms`, r.latency.p99, 'ms'));
  }
  for (const r of losses)
    console.log(figure(`video.loss.s${r.datagramBytes}.frame_loss_pct`, 100 - r.deliveredPct, '%'));
  console.log(figure('video.k8m16.one_datagram.cpu_us_per_frame', baseline.cpuUsPerFrame, 'us'));
  // The headline: the size this service announces to clients (JoinReply), else the default.
  const chosen = sizes.find((r) => r.datagramBytes === announced) ?? sizes[sizes.length - 2];
  console.log(`(headline at the announced datagram size: ${String(chosen.datagramBytes)} bytes)`);
  console.log(
    figure(
      'video.cpu_per_frame_vs_one_datagram',
      chosen.cpuUsPerFrame / baseline.cpuUsPerFrame,
      'x',
    ),
  );
  console.log(figure('video.k8m16.delivered_pct', chosen.deliveredPct, '%'));
  console.log(figure('video.k8m16.p99_ms', chosen.latency.p99, 'ms'));
  // Sealed media: the relay opens each fragment and seals it once for all its receivers.
  const mean = (runs: MeetingResult[], of: (r: MeetingResult) => number): number =>
    runs.reduce((sum, r) => sum + of(r), 0) / runs.length;
  console.log(
    `encryption: ${ENCRYPTION_ROUNDS} plain and ${ENCRYPTION_ROUNDS} sealed meetings alternating, at ${String(sealedRuns[0].datagramBytes)} bytes`,
  );
  for (const [label, runs] of [
    ['plain ', plainRuns],
    ['sealed', sealedRuns],
  ] as const)
    for (const r of runs)
      console.log(
        `  ${label}: relay ${r.relayCpuPct.toFixed(1)}% of a core, ${r.cpuUsPerFrame.toFixed(1)} us CPU per delivered frame, ` +
          `delivered ${r.framesDelivered}/${r.framesOwed} (${r.deliveredPct.toFixed(2)}%), p99 ${r.latency.p99.toFixed(2)} ms`,
      );
  const plainUs = mean(plainRuns, (r) => r.cpuUsPerFrame);
  const sealedUs = mean(sealedRuns, (r) => r.cpuUsPerFrame);
  console.log(figure('video.k8m16.plain.cpu_us_per_frame', plainUs, 'us'));
  console.log(figure('video.k8m16.sealed.cpu_us_per_frame', sealedUs, 'us'));
  console.log(
    figure(
      'video.k8m16.sealed.delivered_pct',
      mean(sealedRuns, (r) => r.deliveredPct),
      '%',
    ),
  );
  console.log(
    figure('video.k8m16.sealed.p99_ms', Math.max(...sealedRuns.map((r) => r.latency.p99)), 'ms'),
  );
  // Throughput per core goes as 1 / CPU per frame: sealed as a share of plain.
  console.log(figure('video.encrypted_vs_plain_pct', (100 * plainUs) / sealedUs, '%', 1));
}

async function startBare(port: number): Promise<Stoppable & { pid: number }> {
  const child = spawn(process.execPath, [join(__dirname, 'bare-udp-forwarder.js'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    pid: (child as ChildProcess).pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
