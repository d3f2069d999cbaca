import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, Redis, RedisKeys } from '@sapora/coordination';
import { startRedis, TestRedis } from '@sapora/testing';
import { ConfigError } from '../config/load-config';
import { makeSelfSignedCertificate } from './self-signed-certificate';
import { loadServiceIdentity } from './service-identity';

describe('loadServiceIdentity', () => {
  let testRedis: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    testRedis = await startRedis();
    redis = createRedis(testRedis.url, { name: 'identity-test' });
  });
  afterAll(async () => {
    redis.disconnect();
    await testRedis.stop();
  });
  beforeEach(() => redis.del(RedisKeys.tlsIdentity));

  it('makes one identity for services starting together, and presents it again later', async () => {
    const [a, b, c] = await Promise.all([
      loadServiceIdentity({ redis }),
      loadServiceIdentity({ redis }),
      loadServiceIdentity({ redis }),
    ]);
    expect(new Set([a.fingerprint256, b.fingerprint256, c.fingerprint256]).size).toBe(1);
    expect([a, b, c].filter((identity) => identity.source === 'made')).toHaveLength(1);
    const later = await loadServiceIdentity({ redis });
    expect(later).toMatchObject({ source: 'shared', fingerprint256: a.fingerprint256 });
    expect(a.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('presents a given certificate, and names the variables when it is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sapora-identity-'));
    const given = await makeSelfSignedCertificate({ commonName: 'given', validDays: 1 });
    const other = await makeSelfSignedCertificate({ commonName: 'other', validDays: 1 });
    await writeFile(join(dir, 'cert.pem'), given.cert);
    await writeFile(join(dir, 'key.pem'), given.key);
    await writeFile(join(dir, 'other-key.pem'), other.key);
    const certPath = join(dir, 'cert.pem');
    await expect(
      loadServiceIdentity({ certPath, keyPath: join(dir, 'key.pem'), redis }),
    ).resolves.toMatchObject({ source: 'given', fingerprint256: given.fingerprint256 });
    await expect(
      loadServiceIdentity({ certPath, keyPath: join(dir, 'other-key.pem'), redis }),
    ).rejects.toThrow(/TLS_CERT .* the private key does not belong to the certificate/);
    await expect(loadServiceIdentity({ certPath, redis })).rejects.toThrow(ConfigError);
    expect(await redis.exists(RedisKeys.tlsIdentity)).toBe(0);
    await rm(dir, { recursive: true });
  });
});
