/**
 * Gateway media benchmark: browser tabs emulated in Node in rooms of 5, each sending what the
 * web client sends with its microphone and camera on (a MIC_FRAME of 512 samples every 11.6 ms,
 * a 20-30 KB CAMERA_FRAME 15 times a second) and receiving the room's mix and the others'
 * camera frames, through one gateway pinned to one core (taskset -c 1), over TLS as deployed,
 * in front of built control, audio and video services (each its own process).
 *   npm run bench:gateway   (after the chat-and-screen part)
 * Rooms are added one at a time (5 tabs); after each step a 4 s window counts, at the tabs, the
 * mixes received (each tab is owed one per frame period: its four room-mates all speak) and the
 * camera frames received (four senders at 15 fps), and times camera frames from tab to tab (each
 * carries its send time). "Real time": at least 98% of both delivered and the gateway below
 * 100% of its core. The same camera path without the gateway (native clients of the video
 * relay, in a room of their own, measured in the same windows) is subtracted from the tabs' p99
 * for the latency the gateway adds: the headline at 50 tabs (the target load), and again at the
 * last step that was real time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Session, VideoClient } from '@sapora/client';
import { ToneSource } from '@sapora/media';
import { BinaryKind, VIDEO_FRAME_SENDER_LENGTH } from '@sapora/protocol';
import {
  freePort,
  GatewayTab,
  ServiceProcess,
  startListeningService,
  startRedis,
} from '@sapora/testing';
import { figure, Samples } from './stats';
import { Stoppable, startTcpService } from './bench-services';

const ROOM_SIZE = 5;
const ROOMS_PER_STEP = 1;
const MAX_TABS = 200;
const RATE = 44_100;
const FRAME = 512;
const FRAME_MS = (FRAME / RATE) * 1000;
const FPS = 15;
const WINDOW_MS = 4_000;
const SETTLE_MS = 1_500;
const DELIVERED_MIN_PCT = 98;
/** The load the added-latency headline is read at. */
const TARGET_TABS = 50;
/** No new step after this long (a step of 5 tabs takes about 6 s). */
const BUDGET_MS = 240_000;

/** A JPEG envelope of 20-30 KB whose bytes 2-9 carry its send time (performance.now()). */
function cameraFrame(bytes: number): Buffer {
  const frame = Buffer.alloc(bytes, 0x55);
  frame.writeUInt16BE(0xffd8, 0);
  frame.writeUInt16BE(0xffd9, bytes - 2);
  return frame;
}
const stamp = (frame: Buffer): Buffer => {
  frame.writeDoubleBE(performance.now(), 2);
  return frame;
};

interface Room {
  tabs: GatewayTab[];
  frames: Buffer[];
}

interface Step {
  tabs: number;
  gatewayCpuPct: number;
  benchCpuPct: number;
  mixesPct: number;
  videoPct: number;
  latency: ReturnType<Samples['summary']>;
  native: ReturnType<Samples['summary']>;
  realtime: boolean;
}

const window = { open: false, latency: new Samples(), native: new Samples() };

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function openRoom(index: number, gatewayUrl: string): Promise<Room> {
  const tabs: GatewayTab[] = [];
  const frames: Buffer[] = [];
  for (let i = 0; i < ROOM_SIZE; i++) {
    const tab = await GatewayTab.open(gatewayUrl, { keep: false });
    tab.onBinary = (message) => {
      if (!window.open || message.kind !== BinaryKind.VideoFrame) return;
      const sentAt = new DataView(
        message.payload.buffer,
        message.payload.byteOffset + VIDEO_FRAME_SENDER_LENGTH + 2,
        8,
      ).getFloat64(0);
      window.latency.add(performance.now() - sentAt);
    };
    await tab.join(`tab${i}`, `media-bench-${index}`);
    await tab.request({ type: 'mic', on: true }, 'media');
    await tab.request({ type: 'camera', on: true }, 'media');
    tabs.push(tab);
    frames.push(cameraFrame(20_000 + Math.floor(Math.random() * 10_000)));
  }
  return { tabs, frames };
}

/**
 * Every tab's microphone and camera on one clock: due frames go out each tick, so the load is
 * what real tabs send (86 mic frames and 15 camera frames a second each). Each camera has a
 * phase of its own, as cameras in different browsers do: all of them firing in the same
 * millisecond would make a burst that grows with the tabs and no real meeting sends.
 */
function drive(rooms: Room[]): () => void {
  const tone = new ToneSource(440, RATE, FRAME).next();
  const pcm = new Uint8Array(tone.buffer.slice(0));
  const started = performance.now();
  const cameras = rooms.flatMap((room) =>
    room.tabs.map((tab, i) => ({
      tab,
      frame: room.frames[i],
      phaseMs: Math.random() * (1000 / FPS),
      sent: 0,
    })),
  );
  let micSent = 0;
  const timer = setInterval(() => {
    const elapsed = performance.now() - started;
    const micDue = Math.floor(elapsed / FRAME_MS);
    for (; micSent < micDue; micSent++)
      for (const room of rooms)
        for (const tab of room.tabs) tab.sendBinary(BinaryKind.MicFrame, micSent, pcm);
    for (const camera of cameras) {
      const due = Math.floor(((elapsed - camera.phaseMs) * FPS) / 1000);
      for (; camera.sent < due; camera.sent++)
        camera.tab.sendBinary(BinaryKind.CameraFrame, camera.sent, stamp(camera.frame));
    }
  }, 4);
  return () => clearInterval(timer);
}

/** Two native clients of the video relay, sending the same frames: the path without a gateway. */
async function nativePair(controlPort: number): Promise<{ stop: () => Promise<void> }> {
  const sessions = ['a', 'b'].map(
    (name) =>
      new Session({ host: '127.0.0.1', port: controlPort, username: name, meetingId: 'native' }),
  );
  await Promise.all(sessions.map((session) => session.connect()));
  const [sender, receiver] = sessions.map((session) => new VideoClient({ session }));
  await Promise.all([sender.start(), receiver.start()]);
  receiver.on('frame', (frame) => {
    if (window.open) window.native.add(performance.now() - frame.jpeg.readDoubleBE(2));
  });
  const frame = cameraFrame(25_000);
  const timer = setInterval(() => sender.sendFrame(stamp(frame)), 1000 / FPS);
  return {
    stop: async () => {
      clearInterval(timer);
      sender.close();
      receiver.close();
      await Promise.all(sessions.map((session) => session.leave()));
    },
  };
}

async function measure(rooms: Room[], gatewayPid: number | undefined): Promise<Step> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const tabs = rooms.flatMap((room) => room.tabs);
  const cpuBefore = cpuSeconds(gatewayPid);
  const benchBefore = process.cpuUsage();
  const mixesBefore = tabs.map((tab) => tab.mixesReceived);
  const videoBefore = tabs.map((tab) => tab.videoFramesReceived);
  window.latency.reset();
  window.native.reset();
  window.open = true;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  window.open = false;
  const seconds = (performance.now() - start) / 1000;
  const gatewayCpuPct = (100 * (cpuSeconds(gatewayPid) - cpuBefore)) / seconds;
  const benchUsed = process.cpuUsage(benchBefore);
  const mixes = tabs.reduce((sum, tab, i) => sum + tab.mixesReceived - mixesBefore[i], 0);
  const video = tabs.reduce((sum, tab, i) => sum + tab.videoFramesReceived - videoBefore[i], 0);
  const mixesOwed = (tabs.length * seconds * 1000) / FRAME_MS;
  const videoOwed = tabs.length * (ROOM_SIZE - 1) * FPS * seconds;
  const mixesPct = Math.min(100, (100 * mixes) / mixesOwed);
  const videoPct = Math.min(100, (100 * video) / videoOwed);
  return {
    tabs: tabs.length,
    gatewayCpuPct,
    benchCpuPct: (benchUsed.user + benchUsed.system) / 1e4 / seconds,
    mixesPct,
    videoPct,
    latency: window.latency.summary(),
    native: window.native.summary(),
    realtime:
      mixesPct >= DELIVERED_MIN_PCT && videoPct >= DELIVERED_MIN_PCT && !(gatewayCpuPct >= 100),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sapora-gateway-media-bench-'));
  const redis = await startRedis();
  const [controlPort, audioPort, videoPort, gatewayPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const services: Stoppable[] = [];
  const rooms: Room[] = [];
  const steps: Step[] = [];
  let stopDriving = (): void => undefined;
  let native: { stop: () => Promise<void> } | null = null;
  let gateway: ServiceProcess | undefined;
  try {
    services.push(
      await startTcpService('control', redis.url, controlPort),
      await startListeningService('audio', redis.url, audioPort),
      await startListeningService('video', redis.url, videoPort),
      (gateway = await startListeningService(
        'gateway',
        redis.url,
        gatewayPort,
        {
          LOG_LEVEL: 'warn',
          GATEWAY_CONTROL: `127.0.0.1:${controlPort}`,
          GATEWAY_TLS_DIR: join(dir, 'tls'),
          GATEWAY_SPOOL_DIR: join(dir, 'spool'),
        },
        {
          tcpPort: gatewayPort,
          cpus: process.env.BENCH_GATEWAY_CPUS ?? '1',
          // GATEWAY_CPU_PROF=dir profiles the gateway (node --cpu-prof); see cpu-profile-summary.ts.
          nodeArgs: process.env.GATEWAY_CPU_PROF
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.GATEWAY_CPU_PROF}`]
            : [],
        },
      )),
    );
    native = await nativePair(controlPort);
    const gatewayUrl = `https://127.0.0.1:${gatewayPort}/`;
    const started = performance.now();
    while (rooms.length * ROOM_SIZE < MAX_TABS) {
      stopDriving();
      for (let i = 0; i < ROOMS_PER_STEP; i++) rooms.push(await openRoom(rooms.length, gatewayUrl));
      stopDriving = drive(rooms);
      const step = await measure(rooms, gateway?.pid);
      steps.push(step);
      console.log(
        `${step.tabs} media tabs: mixes delivered ${step.mixesPct.toFixed(1)}%, camera frames ` +
          `${step.videoPct.toFixed(1)}%; camera tab to tab p50 ${step.latency.p50.toFixed(2)} ms, ` +
          `p99 ${step.latency.p99.toFixed(2)} ms (without the gateway p99 ` +
          `${step.native.p99.toFixed(2)} ms); gateway CPU ${step.gatewayCpuPct.toFixed(0)}% of ` +
          `one core, tabs ${step.benchCpuPct.toFixed(0)}%${step.realtime ? '' : ' — not real time'}`,
      );
      if (!step.realtime || performance.now() - started > BUDGET_MS) break;
    }
  } finally {
    stopDriving();
    for (const room of rooms) room.tabs.forEach((tab) => tab.close());
    await native?.stop();
    for (const service of services.reverse()) await service.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const realtime = steps.filter((step) => step.realtime);
  const last = realtime.length === 0 ? steps[0] : realtime[realtime.length - 1];
  console.log(
    figure('gateway.media.max_tabs_realtime', realtime.length === 0 ? 0 : last.tabs, 'tabs', 0),
  );
  const added = (step: Step | undefined): number =>
    (step?.latency.p99 ?? NaN) - (step?.native.p99 ?? NaN);
  // The target load (50 tabs on one gateway core), and the most it kept in real time, where the
  // gateway's core is nearly full and the tail is long.
  const atTarget = steps.find((step) => step.tabs === TARGET_TABS);
  console.log(figure('gateway.media.added_latency_p99_ms', added(atTarget), 'ms'));
  console.log(figure('gateway.media.max_realtime.added_latency_p99_ms', added(last), 'ms'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
