import { join } from 'node:path';
import { MessageType } from '@sapora/protocol';
import { freePort, runNode, startRedis, TestRedis } from '@sapora/testing';
import { RawControlClient } from './support/raw-control-client';

/** The very command the container runs: node apps/control/dist/main.js (built by `nx build`). */
const MAIN = join(__dirname, '..', 'dist', 'main.js');

async function waitForOutput(
  read: () => string,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('control service: the built main.js', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('says where it listens, serves a join, and stops cleanly on SIGTERM telling its clients', async () => {
    const port = await freePort();
    const service = runNode(MAIN, [], {
      REDIS_URL: redis.url,
      CONTROL_PORT: String(port),
      CONTROL_HOST: '127.0.0.1',
      NODE_ENV: 'production',
    });
    const [line] = await waitForOutput(
      service.output,
      /^.*control listening on 127\.0\.0\.1:\d+ \(TCP\).*$/m,
    );
    expect(JSON.parse(line)).toMatchObject({ service: 'control', port });

    const client = await RawControlClient.connect(port);
    const joined = await client.join('alice', 'main');
    expect(joined.meetingId).toBe('main');

    service.child.kill('SIGTERM');
    expect(await client.next(MessageType.Disconnect)).toEqual({
      reason: 'server shutting down',
      retry: true,
    });
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/control stopped/);
    client.close();
  });

  it('refuses to start on a wrong variable, naming it', async () => {
    const service = runNode(MAIN, [], {
      REDIS_URL: redis.url,
      CONTROL_PORT: 'lots',
      HEARTBEAT_INTERVAL_MS: '3000',
      IDLE_TIMEOUT_MS: '1000',
    });
    expect(await service.exited).toBe(78);
    expect(service.output()).toMatch(/CONTROL_PORT \("lots"\)/);
  });

  it('refuses an idle timeout shorter than the heartbeat', async () => {
    const service = runNode(MAIN, [], {
      REDIS_URL: redis.url,
      HEARTBEAT_INTERVAL_MS: '3000',
      IDLE_TIMEOUT_MS: '1000',
    });
    expect(await service.exited).toBe(78);
    expect(service.output()).toMatch(
      /IDLE_TIMEOUT_MS \(1000\): must be longer than HEARTBEAT_INTERVAL_MS \(3000\)/,
    );
  });
});
