import Redis from 'ioredis';
import { startRedis } from './redis-server';

describe('startRedis', () => {
  it('gives each caller a real Redis of its own, and stops it', async () => {
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      const [one, two] = await Promise.all([startRedis(), startRedis()]);
      expect(one.url).not.toBe(two.url);
      const client = new Redis(one.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      await client.set('probe', 'value');
      expect(await client.get('probe')).toBe('value');
      const other = new Redis(two.url);
      expect(await other.get('probe')).toBeNull();
      other.disconnect();
      await one.stop();
      await expect(client.ping()).rejects.toThrow();
      // Already ended with its server: disconnect() now would only arm a 2-second timer.
      expect(client.status).toBe('end');
      await two.stop();
    } finally {
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
  });

  it('uses REDIS_URL when it is set', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'redis://127.0.0.1:1';
    try {
      expect(await startRedis()).toMatchObject({ url: 'redis://127.0.0.1:1', source: 'env' });
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});
