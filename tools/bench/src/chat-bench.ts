/**
 * Chat benchmark: N participants in one room (N = 10, 50) on loopback, against the built
 * control service in its own process and a redis-server of its own.
 *   npm run bench:chat
 * Measures join latency (connect to JOINED), delivery latency (CHAT_SEND leaving the sender to
 * CHAT_MESSAGE at each other member, paced at 200 messages/s) and throughput (a burst of
 * messages, fanned out to everyone). Clients run in this one process, on the same 2 cores.
 * Everything goes over TLS, as clients connect by default; the N=50 room is then measured again
 * over plain TCP (the service allows it for this run), for the cost of TLS as a ratio.
 * The control service's CPU over the paced phase (from /proc, all its threads) is its cost of
 * paced chat at that room size. CHAT_CPU_PROF=dir runs control under node --cpu-prof.
 */
import { performance } from 'node:perf_hooks';
import { ServerTrust, Session } from '@sapora/client';
import { freePort, startRedis } from '@sapora/testing';
import { processCpuMs } from './process-cpu';
import { figure, Samples } from './stats';
import { startTcpService } from './bench-services';

const PACED_MESSAGES = 400;
const PACE_MS = 5;
const BURST_MESSAGES = 3_000;
/** Turns of plain TCP then TLS, for the cost of TLS. */
const COMPARISON_TURNS = 3;

interface RoomResult {
  n: number;
  latency: ReturnType<Samples['summary']>;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  /** The control service's CPU over the paced phase, percent of one core. */
  serverCpuPctPaced: number;
}

async function joinRoom(
  port: number,
  n: number,
  joins: Samples,
  trust: ServerTrust,
): Promise<Session[]> {
  const sessions: Session[] = [];
  for (let i = 0; i < n; i++) {
    const session = new Session({
      host: '127.0.0.1',
      port,
      username: `user${i}`,
      meetingId: `bench-${n}${trust.insecure === true ? '-plain' : ''}`,
      trust,
    });
    const started = performance.now();
    await session.connect();
    joins.add(performance.now() - started);
    sessions.push(session);
  }
  return sessions;
}

async function measureRoom(
  port: number,
  n: number,
  joins: Samples,
  serverPid: number,
  trust: ServerTrust = {},
): Promise<RoomResult> {
  const sessions = await joinRoom(port, n, joins, trust);
  const sentAt = new Map<string, number>();
  const latency = new Samples();
  let delivered = 0;
  let onDelivery: (() => void) | null = null;
  sessions.forEach((session) =>
    session.on('chat', (message) => {
      if (message.from === session.username) return;
      const sent = sentAt.get(message.text);
      if (sent !== undefined && message.text.startsWith('paced'))
        latency.add(performance.now() - sent);
      delivered++;
      onDelivery?.();
    }),
  );

  // Paced: one message every PACE_MS from a rotating sender, so queues stay short.
  const pacedStarted = performance.now();
  const cpuBefore = processCpuMs(serverPid);
  for (let i = 0; i < PACED_MESSAGES; i++) {
    const text = `paced ${i}`;
    sentAt.set(text, performance.now());
    void sessions[i % n].sendChat('all', text);
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  await waitForDeliveries(
    () => delivered >= PACED_MESSAGES * (n - 1),
    (fn) => (onDelivery = fn),
  );
  const serverCpuPctPaced =
    (100 * (processCpuMs(serverPid) - cpuBefore)) / (performance.now() - pacedStarted);

  // Burst: as fast as the senders can write; the clock stops when every member has every message.
  delivered = 0;
  const started = performance.now();
  const confirmations: Promise<unknown>[] = [];
  for (let i = 0; i < BURST_MESSAGES; i++)
    confirmations.push(sessions[i % n].sendChat('all', `burst ${i}`));
  await Promise.all(confirmations);
  await waitForDeliveries(
    () => delivered >= BURST_MESSAGES * (n - 1),
    (fn) => (onDelivery = fn),
  );
  const seconds = (performance.now() - started) / 1000;

  await Promise.all(sessions.map((session) => session.leave()));
  return {
    n,
    latency: latency.summary(),
    messagesPerSecond: BURST_MESSAGES / seconds,
    deliveriesPerSecond: (BURST_MESSAGES * (n - 1)) / seconds,
    serverCpuPctPaced,
  };
}

function waitForDeliveries(
  done: () => boolean,
  setHook: (hook: (() => void) | null) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('messages were lost: not every delivery arrived within 30 s')),
      30_000,
    );
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      setHook(null);
      resolve();
    };
    setHook(check);
    check();
  });
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const port = await freePort();
  const control = await startTcpService(
    'control',
    redis.url,
    port,
    {
      // The benchmark measures the service, not the per-person rate limit.
      CHAT_BURST: '1000000',
      CHAT_RATE_PER_SECOND: '1000000',
      // Plain TCP as well as TLS, for the comparison only.
      SAPORA_ALLOW_PLAINTEXT: '1',
    },
    process.env.CHAT_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CHAT_CPU_PROF}`] : [],
  );
  try {
    const joins = new Samples();
    const results: RoomResult[] = [];
    for (const n of [10, 50]) {
      const result = await measureRoom(port, n, joins, control.pid);
      results.push(result);
      console.log(
        `N=${n}: latency p50 ${result.latency.p50.toFixed(2)} ms, p99 ${result.latency.p99.toFixed(2)} ms ` +
          `(${result.latency.count} deliveries); burst ${result.messagesPerSecond.toFixed(0)} msg/s, ` +
          `${result.deliveriesPerSecond.toFixed(0)} deliveries/s; control ${result.serverCpuPctPaced.toFixed(1)}% of a core while paced`,
      );
    }
    // TLS against plain TCP: N=50 rooms in turns, so a machine busy with other work weighs on
    // both alike; the ratio is the median of the turns' ratios.
    const ratios: number[] = [];
    const plainP99: number[] = [];
    for (let turn = 0; turn < COMPARISON_TURNS; turn++) {
      const plain = await measureRoom(port, 50, new Samples(), control.pid, { insecure: true });
      const tls = await measureRoom(port, 50, new Samples(), control.pid);
      ratios.push((100 * tls.deliveriesPerSecond) / plain.deliveriesPerSecond);
      plainP99.push(plain.latency.p99);
      console.log(
        `turn ${turn + 1}: N=50 plain TCP ${plain.deliveriesPerSecond.toFixed(0)} deliveries/s (p99 ${plain.latency.p99.toFixed(2)} ms), ` +
          `TLS ${tls.deliveriesPerSecond.toFixed(0)} deliveries/s (p99 ${tls.latency.p99.toFixed(2)} ms)`,
      );
    }
    const join = joins.summary();
    console.log(
      `joins: ${join.count}, p50 ${join.p50.toFixed(2)} ms, p99 ${join.p99.toFixed(2)} ms, max ${join.max.toFixed(2)} ms`,
    );
    for (const result of results) {
      console.log(figure(`chat.n${result.n}.p50_ms`, result.latency.p50, 'ms'));
      console.log(figure(`chat.n${result.n}.p99_ms`, result.latency.p99, 'ms'));
      console.log(figure(`chat.n${result.n}.messages_per_s`, result.messagesPerSecond, 'msg/s', 0));
      console.log(
        figure(`chat.n${result.n}.deliveries_per_s`, result.deliveriesPerSecond, 'deliveries/s', 0),
      );
      console.log(
        figure(`chat.n${result.n}.server_cpu_pct_paced`, result.serverCpuPctPaced, '%', 1),
      );
    }
    const median = (values: number[]): number =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(figure('chat.plain.n50.p99_ms', median(plainP99), 'ms'));
    console.log(figure('chat.tls_vs_plain.n50.deliveries_pct', median(ratios), '%', 1));
    console.log(figure('join.p50_ms', join.p50, 'ms'));
    console.log(figure('join.p99_ms', join.p99, 'ms'));
  } finally {
    await control.stop();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
