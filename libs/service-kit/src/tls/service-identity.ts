import { readFile } from 'node:fs/promises';
import { Redis, RedisKeys } from '@sapora/coordination';
import { ConfigError } from '../config/load-config';
import {
  CertificatePair,
  describeCertificate,
  makeSelfSignedCertificate,
} from './self-signed-certificate';

/** Where a TCP service's TLS identity came from. */
export type IdentitySource = 'given' | 'shared' | 'made';

export interface ServiceIdentity extends CertificatePair {
  /** "given": TLS_CERT/TLS_KEY; "shared": the deployment's, made earlier; "made": made just now. */
  source: IdentitySource;
}

export interface IdentityOptions {
  /** TLS_CERT and TLS_KEY: PEM files of a certificate and its key (both or neither). */
  certPath?: string;
  keyPath?: string;
  /** Where the self-signed identity is kept (needed unless one is given). */
  redis?: Redis;
}

/**
 * Clients pin the fingerprint, not a chain to a CA, so the self-signed identity outlives any
 * sensible deployment: renewing it would make every client refuse the server.
 */
const SELF_SIGNED_VALID_DAYS = 20 * 365;

interface StoredIdentity {
  cert: string;
  key: string;
}

function parseStored(text: string): StoredIdentity {
  const stored = JSON.parse(text) as Partial<StoredIdentity>;
  if (typeof stored.cert !== 'string' || typeof stored.key !== 'string')
    throw new Error(`${RedisKeys.tlsIdentity} is not {cert, key}`);
  return { cert: stored.cert, key: stored.key };
}

/**
 * The TLS identity every TCP service of a deployment presents: the configured certificate, else
 * the self-signed one kept in Redis. The first service to start makes it and stores it with
 * SET NX, so services starting together agree on one and every restart presents it again.
 */
export async function loadServiceIdentity(options: IdentityOptions): Promise<ServiceIdentity> {
  const { certPath, keyPath, redis } = options;
  if (certPath !== undefined || keyPath !== undefined) {
    if (certPath === undefined || keyPath === undefined)
      throw new ConfigError([
        'TLS_CERT and TLS_KEY: give both (a PEM certificate and its key) or neither',
      ]);
    try {
      const [cert, key] = await Promise.all([
        readFile(certPath, 'utf8'),
        readFile(keyPath, 'utf8'),
      ]);
      return { ...describeCertificate(cert, key), source: 'given' };
    } catch (error) {
      throw new ConfigError([
        `TLS_CERT ("${certPath}") / TLS_KEY ("${keyPath}"): ${(error as Error).message}`,
      ]);
    }
  }
  if (redis === undefined) throw new ConfigError(['TLS_CERT and TLS_KEY: needed without Redis']);
  const kept = await redis.get(RedisKeys.tlsIdentity);
  if (kept !== null) {
    const stored = parseStored(kept);
    return { ...describeCertificate(stored.cert, stored.key), source: 'shared' };
  }
  const made = await makeSelfSignedCertificate({
    commonName: 'Sapora server',
    validDays: SELF_SIGNED_VALID_DAYS,
  });
  const won = await redis.set(
    RedisKeys.tlsIdentity,
    JSON.stringify({ cert: made.cert, key: made.key }),
    'NX',
  );
  if (won === 'OK') return { ...made, source: 'made' };
  // Another service made one at the same moment: present that one.
  const winner = await redis.get(RedisKeys.tlsIdentity);
  if (winner === null) throw new Error(`${RedisKeys.tlsIdentity} vanished while being made`);
  const stored = parseStored(winner);
  return { ...describeCertificate(stored.cert, stored.key), source: 'shared' };
}
