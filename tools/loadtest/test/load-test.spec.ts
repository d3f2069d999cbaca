import { listNodes } from '@sapora/client';
import {
  freePort,
  ServiceProcess,
  ServiceStack,
  startListeningService,
  waitFor,
} from '@sapora/testing';
import { runLoadTest } from '../src/load-test';

/**
 * The load tool against real services (built, each its own process) on loopback: two audio and
 * two video nodes, so the rooms spread over both and the report has a line for each.
 */
describe('loadtest against real services', () => {
  const stack = new ServiceStack();
  const extra: ServiceProcess[] = [];
  const nodes = new Map<'audio' | 'video', string[]>();

  beforeAll(async () => {
    await stack.start(['control', 'audio', 'video']);
    for (const kind of ['audio', 'video'] as const) {
      const port = await freePort();
      extra.push(await startListeningService(kind, stack.redisUrl, port));
      nodes.set(kind, [`127.0.0.1:${stack.ports.get(kind)}`, `127.0.0.1:${port}`].sort());
    }
    const control = { host: '127.0.0.1', port: stack.ports.get('control') ?? 0 };
    await waitFor(async () => (await listNodes(control)).length === 4, {
      what: 'two audio and two video nodes registered',
    });
  }, 90_000);

  afterAll(async () => {
    for (const running of extra) await running.stop();
    await stack.stop();
  });

  it('streams audio and video between emulated participants and reports sane figures, per node', async () => {
    const lines = await runLoadTest({
      host: '127.0.0.1',
      port: stack.ports.get('control') ?? 0,
      rooms: 2,
      perRoom: 3,
      audio: true,
      video: true,
      durationMs: 3_000,
    });
    expect(lines.map((line) => `${line.kind} ${line.node}`)).toEqual([
      'audio all',
      ...(nodes.get('audio') ?? []).map((node) => `audio ${node}`),
      'video all',
      ...(nodes.get('video') ?? []).map((node) => `video ${node}`),
    ]);
    for (const line of lines) {
      // One room of three on each node.
      expect(line.participants).toBe(line.node === 'all' ? 6 : 3);
      expect(line.sent).toBeGreaterThan(0);
      expect(line.received).toBeGreaterThan(0);
      // Loopback loses nothing of its own; a receiver waiting for a core on a busy machine may
      // overflow its socket buffer now and then, which the report must show as a small loss.
      expect(line.lossPct).toBeLessThan(5);
      expect(line.latencyP50Ms).toBeGreaterThan(0);
      expect(line.latencyP99Ms).toBeGreaterThanOrEqual(line.latencyP50Ms ?? Infinity);
    }
    const [audio, , , video] = lines;
    // Every participant streams a frame per 11.6 ms for 3 s; each hears a mix per tick.
    expect(audio.sent).toBeGreaterThan(6 * 100);
    expect(audio.received).toBeGreaterThan(6 * 100);
    // Two listeners per room heard the marker a few times each (every half second).
    expect(audio.latencyP50Ms).toBeLessThan(1_000);
    // Each frame reaches the two others in its room.
    expect(video.received).toBe(video.sent * 2);
  }, 60_000);
});
