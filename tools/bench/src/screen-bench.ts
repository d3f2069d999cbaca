/**
 * Screen-share benchmark: one presenter at 10 fps with frames of 100-300 KB, to 1, 10 and 50
 * viewers, one of whom has stopped reading (a stalled viewer is always there, on top of the
 * healthy ones). Built control and screen services, each its own process, with a redis-server
 * of their own; every client runs in this one process.
 *   npm run bench:screen
 * Figures: the share of frames each healthy viewer received, frames per second per healthy
 * viewer, and latency from the presenter's push to a viewer's 'frame' event (p50/p99).
 */
import { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { ScreenShareClient, Session } from '@sapora/client';
import { encodeFrame, encodePayload, MessageType, ScreenRole } from '@sapora/protocol';
import { freePort, startRedis } from '@sapora/testing';
import { figure, Samples } from './stats';
import { Stoppable, startTcpService } from './bench-services';

const FPS = 10;
const SECONDS = 6;
const VIEWER_COUNTS = [1, 10, 50];

interface StepResult {
  viewers: number;
  sent: number;
  deliveredPct: number;
  fpsPerViewer: number;
  latency: ReturnType<Samples['summary']>;
}

/** Frames of 100-300 KB of incompressible bytes; the first 12 carry the send time and number. */
function makeFrames(): Buffer[] {
  return Array.from({ length: 16 }, (_, i) => randomBytes(100_000 + ((i * 13_331) % 200_000)));
}

async function join(port: number, username: string, meetingId: string): Promise<Session> {
  const session = new Session({ host: '127.0.0.1', port, username, meetingId });
  await session.connect();
  return session;
}

async function stalledViewer(port: number, token: Buffer): Promise<Socket> {
  const socket = connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false });
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  socket.write(
    encodeFrame(
      MessageType.ScreenOpen,
      1,
      encodePayload(MessageType.ScreenOpen, { sessionToken: token, role: ScreenRole.Viewer }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.pause();
  return socket;
}

async function runStep(controlPort: number, screenPort: number, n: number): Promise<StepResult> {
  const meetingId = `screen-bench-${n}`;
  const sessions: Session[] = [];
  const clients: ScreenShareClient[] = [];
  const latency = new Samples();
  let received = 0;
  const presenterSession = await join(controlPort, 'presenter', meetingId);
  sessions.push(presenterSession);
  for (let i = 0; i < n; i++) {
    const session = await join(controlPort, `viewer${i}`, meetingId);
    sessions.push(session);
    const viewer = new ScreenShareClient({ session, host: '127.0.0.1', port: screenPort });
    viewer.on('frame', (frame) => {
      latency.add(performance.now() - frame.jpeg.readDoubleBE(0));
      received++;
    });
    await viewer.view();
    clients.push(viewer);
  }
  const stalledSession = await join(controlPort, 'stalled', meetingId);
  sessions.push(stalledSession);
  const token = stalledSession.sessionToken;
  if (token === undefined) throw new Error('the stalled viewer did not join');
  const stalled = await stalledViewer(screenPort, token);

  const presenter = new ScreenShareClient({
    session: presenterSession,
    host: '127.0.0.1',
    port: screenPort,
  });
  await presenter.present();
  const frames = makeFrames();
  const total = FPS * SECONDS;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / FPS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const jpeg = Buffer.from(frames[i % frames.length]);
    jpeg.writeDoubleBE(performance.now(), 0);
    jpeg.writeUInt32BE(i, 8);
    presenter.push(jpeg);
  }
  // Frames still in flight get a moment to land.
  const deadline = performance.now() + 2_000;
  while (received < presenter.stats.sent * n && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const elapsed = (performance.now() - started) / 1000;
  const sent = presenter.stats.sent;
  await presenter.stop();
  await Promise.all(clients.map((client) => client.stop()));
  stalled.destroy();
  await Promise.all(sessions.map((session) => session.leave()));
  return {
    viewers: n,
    sent,
    deliveredPct: (100 * received) / (sent * n),
    fpsPerViewer: received / n / Math.min(elapsed, SECONDS + 2),
    latency: latency.summary(),
  };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const [controlPort, screenPort] = [await freePort(), await freePort()];
  const services: Stoppable[] = [];
  const results: StepResult[] = [];
  try {
    services.push(
      await startTcpService('control', redis.url, controlPort),
      await startTcpService('screen', redis.url, screenPort),
    );
    for (const n of VIEWER_COUNTS) {
      const result = await runStep(controlPort, screenPort, n);
      results.push(result);
      console.log(
        `${n} healthy viewer(s) + 1 stalled: presenter sent ${result.sent} frames at ${FPS} fps; ` +
          `healthy viewers got ${result.deliveredPct.toFixed(1)}% (${result.fpsPerViewer.toFixed(1)} fps each), ` +
          `latency p50 ${result.latency.p50.toFixed(1)} ms p99 ${result.latency.p99.toFixed(1)} ms`,
      );
    }
  } finally {
    for (const service of services.reverse()) await service.stop();
    await redis.stop();
  }
  for (const r of results) {
    console.log(figure(`screen.v${r.viewers}.delivered_pct`, r.deliveredPct, '%', 1));
    console.log(figure(`screen.v${r.viewers}.fps_per_viewer`, r.fpsPerViewer, 'fps', 1));
    console.log(figure(`screen.v${r.viewers}.p50_ms`, r.latency.p50, 'ms', 1));
    console.log(figure(`screen.v${r.viewers}.p99_ms`, r.latency.p99, 'ms', 1));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
