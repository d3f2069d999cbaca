import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/** A Redis for one test file. */
export interface TestRedis {
  url: string;
  /** Where it came from: REDIS_URL, a Testcontainers container, or a spawned redis-server. */
  source: 'env' | 'container' | 'process';
  stop(): Promise<void>;
  /**
   * Stops the server and starts a new, empty one on the same port once `whileDown` is done:
   * an outage and a restart that lost everything. Only for a redis-server the test owns.
   */
  restartEmpty(whileDown: () => Promise<void>): Promise<void>;
}

function notOurs(source: string): () => Promise<void> {
  return () =>
    Promise.reject(new Error(`cannot restart a Redis from ${source}: the test does not own it`));
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function dockerAvailable(): boolean {
  return process.env.DOCKER_HOST !== undefined || existsSync('/var/run/docker.sock');
}

async function startContainer(): Promise<TestRedis> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('redis:7-alpine')
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    source: 'container',
    stop: async () => {
      await container.stop();
    },
    restartEmpty: notOurs('a container'),
  };
}

/** A redis-server on `port` keeping nothing on disk; resolves once it accepts connections. */
async function runRedisServer(port: number, dir: string): Promise<{ stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`cannot run redis-server (is it installed?): ${error.message}`)),
    ),
  );
  await Promise.race([waitForPort(port, 10_000), failed]);
  return {
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function spawnRedisServer(): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'sapora-redis-'));
  let server = await runRedisServer(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    source: 'process',
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
    restartEmpty: async (whileDown) => {
      await server.stop();
      await whileDown();
      server = await runRedisServer(port, dir);
    },
  };
}

/**
 * A real Redis for tests: REDIS_URL if set, else a Testcontainers container when a Docker
 * engine is there, else a redis-server of our own on a free port. Never a mock.
 */
export async function startRedis(): Promise<TestRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv)
    return {
      url: fromEnv,
      source: 'env',
      stop: () => Promise.resolve(),
      restartEmpty: notOurs('REDIS_URL'),
    };
  if (dockerAvailable()) {
    try {
      return await startContainer();
    } catch {
      // A socket without a working engine behind it: fall back to a local server.
    }
  }
  return spawnRedisServer();
}
