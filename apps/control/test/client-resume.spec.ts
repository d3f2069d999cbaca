import { Session } from '@sapora/client';
import { RoomStore } from '@sapora/coordination';
import { CuttingTcpProxy, InProcessService, startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { ControlApp, startControl } from './support/control-harness';

describe('control service with @sapora/client: surviving a restart', () => {
  let redis: TestRedis;
  let reader: Redis;
  let store: RoomStore;
  let control: InProcessService<ControlApp>;

  beforeAll(async () => {
    redis = await startRedis();
    reader = new Redis(redis.url);
    store = new RoomStore(reader, 2_000);
    control = await startControl(redis.url, { IDLE_TIMEOUT_MS: '2000' });
  });

  afterAll(async () => {
    await control.stop();
    reader.disconnect();
    await redis.stop();
  });

  it('resumes the same place after the control service restarts; private history stays with its two ends', async () => {
    const options = {
      host: '127.0.0.1',
      port: control.port,
      meetingId: 'ops',
      reconnectMaxDelayMs: 200,
    };
    const ivy = new Session({ ...options, username: 'Ivy' });
    const jon = new Session({ ...options, username: 'Jon' });
    const ken = new Session({ ...options, username: 'Ken' });
    const ivyInfo = await ivy.connect();
    await jon.connect();
    await ken.connect();
    await jon.sendChat('ivy', 'secret plan');
    await ken.sendChat('all', 'hello ops');
    const events: string[] = [];
    ivy.on('reconnecting', () => events.push('reconnecting'));
    ivy.on('resumed', () => events.push('resumed'));
    const ivyResumed = new Promise((resolve) => ivy.once('resumed', resolve));

    await control.restart();
    await ivyResumed;
    await waitFor(() => jon.connected && ken.connected, { what: 'Jon and Ken back' });

    expect(events[0]).toBe('reconnecting');
    expect(events).toContain('resumed');
    expect(ivy.participantId).toBe(ivyInfo.participantId);
    expect(ivy.sessionToken!.equals(ivyInfo.sessionToken)).toBe(true);
    expect(ivy.participants.map((p) => p.username)).toEqual(['Ivy', 'Jon', 'Ken']);
    expect(ivy.history.map((m) => m.text)).toEqual(['secret plan', 'hello ops']);
    expect(ken.history.map((m) => m.text)).toEqual(['hello ops']);

    const after = new Promise<string>((resolve) =>
      ivy.once('chat', (message) => resolve(message.text)),
    );
    await ken.sendChat('all', 'after the restart');
    expect(await after).toBe('after the restart');
    await Promise.all([ivy.leave(), jon.leave(), ken.leave()]);
  });

  it('joins afresh when the session ended while the server was away', async () => {
    // Lucy reaches control through a gate, so that she cannot come back before the test says.
    const gate = await CuttingTcpProxy.start(control.port);
    await control.stop();
    const lucy = new Session({
      host: '127.0.0.1',
      port: gate.port,
      username: 'Lucy',
      meetingId: 'late',
      reconnectMaxDelayMs: 100,
    });
    await control.restart();
    try {
      const first = await lucy.connect();
      const rejoined = new Promise<{ participantId: string; resumed: boolean }>((resolve) =>
        lucy.once('rejoined', resolve),
      );
      gate.refuse(true);
      await control.stop();
      // Nothing renews it, so the session ends after the idle timeout while control is away.
      const token = first.sessionToken.toString('hex');
      await waitFor(async () => (await store.getSession(token)) === null, {
        timeoutMs: 15_000,
        intervalMs: 50,
        what: 'Lucy’s session to end',
      });
      // The next instance's sweeper takes her out of the room, which frees her name.
      await control.restart();
      await waitFor(async () => (await store.members('late')).length === 0, {
        timeoutMs: 15_000,
        intervalMs: 50,
        what: 'the sweeper to empty the room',
      });
      gate.refuse(false);
      const info = await rejoined;
      expect(info.resumed).toBe(false);
      expect(info.participantId).not.toBe(first.participantId);
      expect(lucy.participants.map((p) => p.username)).toEqual(['Lucy']);
      await lucy.leave();
    } finally {
      lucy.close();
      await gate.close();
    }
  }, 60_000);
});
