/**
 * Video relay benchmark: one sender and three viewers in a room on loopback, JPEG-sized frames
 * (10–30 KB, so 9–26 fragments each), at rising offered rates. The same load goes through the
 * built video service and through a bare Node UDP forwarder (receive, re-send, nothing else),
 * each in its own process, one after the other in the same run.
 *   npm run bench:video
 * Figures: datagrams and megabits per second delivered to the viewers, and the latency from
 * the sender's send to a viewer's receive (the send time rides in the fragment's piece).
 */
import { createSocket, Socket } from 'node:dgram';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Session } from '@sapora/client';
import { FrameFragmenter } from '@sapora/media';
import {
  DATAGRAM_HEADER_LENGTH,
  encodeKeepalive,
  encodeVideoFragment,
  VIDEO_FRAGMENT_HEADER_LENGTH,
} from '@sapora/protocol';
import { freePort, startRedis } from '@sapora/testing';
import { figure, Samples } from './stats';
import { ServiceProcess, startServiceProcess, startTcpService } from './service-process';
import { spawn } from 'node:child_process';

const VIEWERS = 3;
const OFFERED = [10_000, 20_000, 30_000, 40_000];
const STEP_MS = 3_000;
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
  const control = await startTcpService('control', redis.url, controlPort);
  const video = await startServiceProcess(
    'video',
    { REDIS_URL: redis.url, VIDEO_HOST: '127.0.0.1', VIDEO_PORT: String(videoPort) },
    { line: /video listening/ },
  );
  const sessions: Session[] = [];
  for (let i = 0; i <= VIEWERS; i++) {
    const session = new Session({
      host: '127.0.0.1',
      port: controlPort,
      username: `v${i}`,
      meetingId: 'video-bench',
    });
    await session.connect();
    sessions.push(session);
  }
  const tokens = sessions.map((session) => Buffer.from(session.sessionToken ?? Buffer.alloc(16)));
  let relay: StepResult[];
  let bare: StepResult[];
  try {
    relay = await runTarget(videoPort, tokens[0], tokens.slice(1));
    const bareProcess = await startBare(barePort);
    try {
      bare = await runTarget(barePort, tokens[0], tokens.slice(1));
    } finally {
      await bareProcess.stop();
    }
  } finally {
    await Promise.all(sessions.map((session) => session.leave()));
    await video.stop();
    await control.stop();
    await redis.stop();
  }
  print('relay', relay);
  print('bare ', bare);
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
}

async function startBare(port: number): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'bare-udp-forwarder.js'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
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
