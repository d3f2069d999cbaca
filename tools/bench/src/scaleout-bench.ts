// Scale-out benchmark (`npm run bench:scaleout`; needs root and `ip netns`): three hosts as
// network namespaces on one bridge, A with Redis and two control instances, B and C with an
// audio node each, and this process as the clients.
// - placement_balance: 40 rooms of two joined in one burst, alternating control instances;
//   most ÷ fewest participants per audio node.
// - failover_kill_ms: SIGKILL the node serving a room with a speaker → the first mix with the
//   speaker in it from the other node (5 kills, the killed node restarted between them).
// - failover_drain_ms: SIGTERM instead (the node drains): same measure (3 drains).
import { createSocket, RemoteInfo, Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioClient, Session, toneSource } from '@sapora/client';
import {
  DatagramFlags,
  DatagramKind,
  decodeMediaDatagram,
  encodeKeepalive,
} from '@sapora/protocol';
import { LabProcess, NetworkLab } from '@sapora/testing';
import { figure, Samples } from './stats';

const APPS = join(__dirname, '..', '..', '..', 'apps');
const CONTROL_PORTS = [5000, 5010];
const BURST_ROOMS = 40;
const BURST_SEATS = 2;
const KILLS = 5;
const DRAINS = 3;
const MEDIA_HOSTS = ['b', 'c'] as const;
type MediaHost = (typeof MEDIA_HOSTS)[number];

/**
 * A listener with its own UDP socket instead of an AudioClient, so that it knows which node
 * each mix came from: it says hello (KEEPALIVE) to the room's audio node, and to the new one
 * as soon as MEDIA_MOVED comes, and notes the time of the first mix with sound from a node.
 */
class NodeAwareListener {
  readonly #session: Session;
  readonly #socket: Socket;
  readonly #timer: NodeJS.Timeout;
  #waiting: { address: string; resolve: (atMs: number) => void } | null = null;

  constructor(session: Session) {
    this.#session = session;
    this.#socket = createSocket('udp4');
    this.#socket.on('message', (bytes, from) => this.#onMix(bytes, from));
    session.on('mediaMoved', (endpoint) => {
      if (endpoint.kind === 'audio') this.#hello();
    });
    this.#timer = setInterval(() => this.#hello(), 200);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.bind(0, resolve));
    this.#hello();
  }

  /** Resolves with the time of the next mix with sound in it from `address`. */
  nextMixFrom(address: string): Promise<number> {
    return new Promise((resolve) => (this.#waiting = { address, resolve }));
  }

  close(): void {
    clearInterval(this.#timer);
    this.#socket.close();
  }

  #hello(): void {
    const token = this.#session.mediaToken;
    const { host, port } = this.#session.endpoint('audio');
    if (token !== undefined) this.#socket.send(encodeKeepalive(token, 0), port, host);
  }

  #onMix(bytes: Buffer, from: RemoteInfo): void {
    const waiting = this.#waiting;
    if (waiting === null || from.address !== waiting.address) return;
    const datagram = decodeMediaDatagram(bytes);
    if (datagram.kind !== DatagramKind.Audio || (datagram.flags & DatagramFlags.Silence) !== 0)
      return;
    if (!datagram.body.some((byte) => byte !== 0)) return;
    this.#waiting = null;
    waiting.resolve(performance.now());
  }
}

async function main(): Promise<void> {
  const lab = NetworkLab.create(['a', ...MEDIA_HOSTS]);
  const work = mkdtempSync(join(tmpdir(), 'sapora-scaleout-bench-'));
  const audio = new Map<MediaHost, LabProcess>();
  const hostOf = (address: string): MediaHost =>
    MEDIA_HOSTS.find((host) => lab.address(host) === address) ??
    (() => {
      throw new Error(`no media host at ${address}`);
    })();
  const other = (host: MediaHost): MediaHost => (host === 'b' ? 'c' : 'b');

  const service = (host: string, app: string, env: Record<string, string>): LabProcess =>
    lab.run(host, process.execPath, [join(APPS, app, 'dist', 'main.js')], {
      NODE_ENV: 'production',
      REDIS_URL: `redis://${lab.address('a')}:6379`,
      HEALTH_SOCKET: join(work, `${host}-${app}-${Date.now()}.health`),
      // One audio node per host: the figures are of hosts failing over.
      AUDIO_WORKERS: '1',
      ...env,
    });
  async function startAudio(host: MediaHost): Promise<void> {
    const running = service(host, 'audio', { MEDIA_PUBLIC_HOST: lab.address(host) });
    audio.set(host, running);
    await running.waitForOutput(/node [0-9a-f-]+ registered/, `the audio node on ${host}`, 60_000);
  }

  try {
    const redis = lab.run('a', 'redis-server', [
      ...['--bind', lab.address('a'), '--port', '6379', '--save', '', '--appendonly', 'no'],
      ...['--protected-mode', 'no'],
    ]);
    await redis.waitForOutput(/Ready to accept connections/, 'Redis');
    await Promise.all(
      CONTROL_PORTS.map((port) =>
        service('a', 'control', { CONTROL_PORT: String(port) }).waitForOutput(
          /control listening/,
          'control',
          60_000,
        ),
      ),
    );
    await Promise.all(MEDIA_HOSTS.map((host) => startAudio(host)));

    // Placement in a burst.
    const burst = await Promise.all(
      Array.from({ length: BURST_ROOMS * BURST_SEATS }, async (_, i) => {
        const session = new Session({
          host: lab.address('a'),
          port: CONTROL_PORTS[i % 2],
          username: `p${Math.floor(i / BURST_ROOMS)}`,
          meetingId: `burst${i % BURST_ROOMS}`,
          media: ['audio'],
        });
        await session.connect();
        return session;
      }),
    );
    const perNode = new Map<string, number>(MEDIA_HOSTS.map((host) => [lab.address(host), 0]));
    for (const session of burst) {
      const { host } = session.endpoint('audio');
      perNode.set(host, (perNode.get(host) ?? 0) + 1);
    }
    const counts = [...perNode.values()];
    const balance = Math.max(...counts) / Math.min(...counts);
    console.log(`burst: participants per audio node ${counts.join(' / ')}`);
    burst.forEach((session) => session.close());

    // Failover: one room, a speaker following moves by itself, a listener that knows the node.
    const control = { host: lab.address('a'), port: CONTROL_PORTS[0] };
    const speaker = new Session({ ...control, username: 'speaker', meetingId: 'failover' });
    await speaker.connect();
    const listenerSession = new Session({
      host: control.host,
      port: CONTROL_PORTS[1],
      username: 'listener',
      meetingId: 'failover',
    });
    await listenerSession.connect();
    const voice = new AudioClient({ session: speaker, keepaliveMs: 200 });
    await voice.start();
    voice.startStreaming(toneSource(660, voice.sampleRate, 512, 0.3));
    const listener = new NodeAwareListener(listenerSession);
    await listener.start();
    await listener.nextMixFrom(listenerSession.endpoint('audio').host);

    const measure = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<number> => {
      const serving = hostOf(listenerSession.endpoint('audio').host);
      const next = listener.nextMixFrom(lab.address(other(serving)));
      const stoppedAt = performance.now();
      const exited = audio.get(serving)?.stop(signal);
      const ms = (await next) - stoppedAt;
      const code = await exited;
      if (signal === 'SIGTERM' && code !== 0) throw new Error(`drained node exited with ${code}`);
      console.log(`${signal} ${serving}: mix from ${other(serving)} after ${ms.toFixed(0)} ms`);
      // Registered again before the other node is stopped next.
      await startAudio(serving);
      return ms;
    };
    const kills = new Samples();
    for (let i = 0; i < KILLS; i++) kills.add(await measure('SIGKILL'));
    const drains = new Samples();
    for (let i = 0; i < DRAINS; i++) drains.add(await measure('SIGTERM'));
    listener.close();
    voice.close();
    speaker.close();
    listenerSession.close();

    console.log('measured while other work may run on this machine: the figures include its load');
    console.log(figure('scaleout.failover_kill_ms.p50', kills.summary().p50, 'ms', 0));
    console.log(figure('scaleout.failover_kill_ms.max', kills.summary().max, 'ms', 0));
    console.log(figure('scaleout.failover_drain_ms.p50', drains.summary().p50, 'ms', 0));
    console.log(figure('scaleout.failover_drain_ms.max', drains.summary().max, 'ms', 0));
    console.log(figure('scaleout.placement_balance', balance, 'ratio', 3));
  } finally {
    await lab.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
