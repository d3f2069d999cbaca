import { createHash } from 'node:crypto';
import {
  AudioClient,
  ReceivedVideoFrame,
  Session,
  testPatternSource,
  toneSource,
  VideoClient,
} from '@sapora/client';
import { toneAmplitude } from '@sapora/media';
import {
  freePort,
  InProcessService,
  ServiceProcess,
  startRedis,
  startServiceProcess,
  TestRedis,
  waitFor,
} from '@sapora/testing';
import { ControlApp, startControl } from './support/control-harness';

const RATE = 44_100;
const FRAME = 512;
const AUDIBLE = 0.1;
const ROOMS = 4;
/** Generous: several Node processes start at once on two shared cores. */
const STARTUP_MS = 120_000;
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');
const tone = (room: number): number => 500 + 100 * room;

interface Person {
  room: number;
  session: Session;
  audio: AudioClient;
  video: VideoClient;
  heard: Int16Array[];
  frames: ReceivedVideoFrame[];
}

/** A media service run as its built main.js with two workers, and what its log says of them. */
interface Workers {
  process: ServiceProcess;
  /** "worker <i> registered at <port>" lines, in order: the latest port of each worker. */
  ports: Map<number, number>;
  registrations: number;
  pids: Map<number, number>;
}

/**
 * The audio and video services each run as two worker processes under a supervisor (PROTOCOL
 * §16 "Workers"), with control and Redis: rooms spread over both workers of each, media works
 * on each, and a worker killed outright is started again while its room moves.
 */
describe('media services with two workers each', () => {
  let redis: TestRedis;
  let control: InProcessService<ControlApp>;
  const services = new Map<'audio' | 'video', Workers>();
  const people: Person[] = [];

  async function startWorkers(app: 'audio' | 'video'): Promise<Workers> {
    const prefix = app.toUpperCase();
    const workers: Workers = {
      process: null!,
      ports: new Map(),
      registrations: 0,
      pids: new Map(),
    };
    workers.process = await startServiceProcess(
      app,
      {
        REDIS_URL: redis.url,
        [`${prefix}_HOST`]: '127.0.0.1',
        [`${prefix}_PORT`]: String(await freePort()),
        [`${prefix}_WORKERS`]: '2',
        // The kernel picks worker 1's port: tests run side by side.
        [`${prefix}_WORKER_PORTS`]: '0',
      },
      {
        line: new RegExp(`${app}: 2 workers on`),
        timeoutMs: STARTUP_MS,
        onLine: (line) => {
          const started = /worker (\d+) started \(pid (\d+)/.exec(line);
          if (started !== null) workers.pids.set(Number(started[1]), Number(started[2]));
          const registered =
            /registered \(worker (\d+) of 2; clients reach it at [^:]*:(\d+)\)/.exec(line);
          if (registered === null) return;
          workers.ports.set(Number(registered[1]), Number(registered[2]));
          workers.registrations++;
        },
      },
    );
    await waitFor(() => workers.ports.size === 2, {
      timeoutMs: STARTUP_MS,
      what: `both ${app} workers registered`,
    });
    services.set(app, workers);
    return workers;
  }

  async function enter(room: number, seat: number): Promise<Person> {
    const session = new Session({
      host: '127.0.0.1',
      port: control.port,
      username: `p${room}${seat}`,
      meetingId: `workers${room}`,
      media: ['audio', 'video'],
    });
    await session.connect();
    const audio = new AudioClient({ session, keepaliveMs: 200 });
    const video = new VideoClient({ session, keepaliveMs: 200 });
    await Promise.all([audio.start(), video.start()]);
    const person: Person = { room, session, audio, video, heard: [], frames: [] };
    audio.on('frame', (frame) => person.heard.push(Int16Array.from(frame)));
    audio.startReceiving();
    // Seat 0 speaks its room's tone; seat 1 listens.
    if (seat === 0) audio.startStreaming(toneSource(tone(room), RATE, FRAME, 0.25));
    video.on('frame', (frame) => person.frames.push(frame));
    people.push(person);
    return person;
  }

  const listenerOf = (room: number): Person => people.filter((p) => p.room === room)[1];
  const speakerOf = (room: number): Person => people.filter((p) => p.room === room)[0];
  const roomsOnPort = (kind: 'audio' | 'video', port: number): number[] =>
    [...Array(ROOMS).keys()].filter((room) => speakerOf(room).session.endpoint(kind).port === port);

  /** The level of the room's tone in what its listener heard over the last half second. */
  function level(room: number): number {
    const recent = listenerOf(room).heard.slice(-Math.ceil((0.5 * RATE) / FRAME));
    if (recent.length < 30) return 0;
    const samples = new Int16Array(recent.length * FRAME);
    recent.forEach((frame, i) => samples.set(frame, i * FRAME));
    return toneAmplitude(samples, tone(room), RATE);
  }

  const hears = (room: number, what: string): Promise<boolean> =>
    waitFor(() => level(room) > AUDIBLE, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `${what} (room ${room})`,
    });

  async function frameArrives(room: number, seed: number): Promise<void> {
    const jpeg = testPatternSource(seed, `room ${room}`).next()!;
    const sender = speakerOf(room);
    const receiver = listenerOf(room);
    await waitFor(
      () => {
        sender.video.sendFrame(jpeg);
        return receiver.frames.some((frame) => md5(frame.jpeg) === md5(jpeg));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `a frame relayed in room ${room}` },
    );
  }

  beforeAll(async () => {
    redis = await startRedis();
    // The usual timings: on a loaded machine quick ones would time sessions out.
    control = await startControl(redis.url, {
      HEARTBEAT_INTERVAL_MS: '3000',
      IDLE_TIMEOUT_MS: '15000',
      SWEEP_INTERVAL_MS: '1000',
    });
    await Promise.all([startWorkers('audio'), startWorkers('video')]);
    for (let room = 0; room < ROOMS; room++)
      for (let seat = 0; seat < 2; seat++) await enter(room, seat);
  }, 300_000);

  afterAll(async () => {
    for (const person of people) {
      person.audio.close();
      person.video.close();
      person.session.close();
    }
    for (const workers of services.values()) await workers.process.stop();
    await control?.stop();
    await redis?.stop();
  });

  it('places rooms on both workers of each service, at their own ports, and media works on each', async () => {
    for (const kind of ['audio', 'video'] as const) {
      const [port0, port1] = [0, 1].map((i) => services.get(kind)!.ports.get(i)!);
      expect(port0).not.toBe(port1);
      // Least loaded first: the four rooms spread two and two over the workers.
      expect(roomsOnPort(kind, port0)).toHaveLength(ROOMS / 2);
      expect(roomsOnPort(kind, port1)).toHaveLength(ROOMS / 2);
      // Both members of a room were told the same worker.
      for (let room = 0; room < ROOMS; room++)
        expect(listenerOf(room).session.endpoint(kind).port).toBe(
          speakerOf(room).session.endpoint(kind).port,
        );
    }
    const audio = services.get('audio')!;
    const video = services.get('video')!;
    for (const worker of [1, 0]) {
      for (const room of roomsOnPort('audio', audio.ports.get(worker)!))
        await hears(room, `the tone on audio worker ${worker}`);
      for (const room of roomsOnPort('video', video.ports.get(worker)!))
        await frameArrives(room, 9_000 + room);
    }
  }, 300_000);

  it('starts a worker killed with SIGKILL again, and its rooms are served again', async () => {
    const audio = services.get('audio')!;
    const killedPort = audio.ports.get(1)!;
    const killedPid = audio.pids.get(1)!;
    const rooms = roomsOnPort('audio', killedPort);
    const registrations = audio.registrations;
    process.kill(killedPid, 'SIGKILL');

    // The supervisor starts worker 1 again: a new process, registered as a new node.
    await waitFor(() => audio.registrations > registrations, {
      timeoutMs: STARTUP_MS,
      what: 'audio worker 1 started again and registered',
    });
    expect(audio.pids.get(1)).not.toBe(killedPid);
    expect(audio.process.output()).toMatch(/audio worker 1 exited \(SIGKILL\); starting it again/);
    expect(audio.process.exitCode).toBeNull();

    // Its rooms moved (their lease lapsed) and are heard again, wherever they went.
    for (const room of rooms) {
      await waitFor(() => speakerOf(room).session.endpoint('audio').port !== killedPort, {
        timeoutMs: 30_000,
        what: `room ${room} moved off the killed worker`,
      });
      expect(listenerOf(room).session.endpoint('audio').port).toBe(
        speakerOf(room).session.endpoint('audio').port,
      );
      const before = listenerOf(room).heard.length;
      await waitFor(() => listenerOf(room).heard.length > before + 50, {
        timeoutMs: 60_000,
        what: `mixes again in room ${room}`,
      });
      await hears(room, 'the tone after the move');
    }
  }, 300_000);

  it('stops on SIGTERM once every worker has drained, and exits 0', async () => {
    const video = services.get('video')!;
    await video.process.stop('SIGTERM');
    expect(await video.process.exited).toBe(0);
    const output = video.process.output();
    expect(output.match(/video node drained/g)).toHaveLength(2);
    expect(output).toMatch(/video stopped \(2 workers\)/);
  }, 120_000);
});
