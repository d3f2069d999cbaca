import { join } from 'node:path';
import { ErrorCode, MessageType } from '@sapora/protocol';
import {
  freePort,
  RawFramedClient,
  runNode,
  startRedis,
  TestRedis,
  waitFor,
} from '@sapora/testing';

/** The very command the container runs: node apps/control/dist/main.js (built by `nx build`). */
const MAIN = join(__dirname, '..', 'dist', 'main.js');

async function waitForOutput(
  read: () => string,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpMatchArray> {
  try {
    return await waitFor(() => read().match(pattern) ?? undefined, {
      timeoutMs,
      intervalMs: 20,
      what: String(pattern),
    });
  } catch {
    throw new Error(`no ${pattern} in output within ${timeoutMs} ms:\n${read()}`);
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
      /^.*control listening on 127\.0\.0\.1:\d+ \(TLS\).*$/m,
    );
    expect(JSON.parse(line)).toMatchObject({ service: 'control', port });
    // The key's fingerprint, for people to compare with what their client shows.
    expect((JSON.parse(line) as { fingerprint256: string }).fingerprint256).toMatch(
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );

    const client = await RawFramedClient.connect(port);
    const joined = await client.join('alice', 'main');
    expect(joined.meetingId).toBe('main');

    service.child.kill('SIGTERM');
    expect(await client.next(MessageType.Disconnect)).toEqual({
      reason: 'server shutting down',
      retry: true,
      code: ErrorCode.Unspecified,
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
