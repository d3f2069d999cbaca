import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeCertificate, makeSelfSignedCertificate } from '@sapora/service-kit';

export interface GatewayCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, as browsers show it (colon-separated hex). */
  fingerprint256: string;
  /** "given": GATEWAY_TLS_CERT/KEY; "kept": made at an earlier start; "made": made just now. */
  source: 'given' | 'kept' | 'made';
  validTo: Date;
}

export interface CertificateOptions {
  certPath?: string;
  keyPath?: string;
  /** Where a self-signed pair is kept between starts. */
  dir: string;
  now?: Date;
}

const CERT_FILE = 'gateway-cert.pem';
const KEY_FILE = 'gateway-key.pem';
/** Browsers refuse longer-lived leaf certificates; a kept one is renewed this close to its end. */
const VALID_DAYS = 397;
const RENEW_BEFORE_MS = 14 * 24 * 60 * 60 * 1000;

function describe(cert: string, key: string, source: GatewayCertificate['source']) {
  return { ...describeCertificate(cert, key), source };
}

async function readPair(certPath: string, keyPath: string): Promise<[string, string]> {
  return Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
}

/**
 * The gateway's TLS certificate: the one configured, else the self-signed one made at an earlier
 * start (so people who checked its fingerprint need not check again), else a new one, kept.
 */
export async function loadGatewayCertificate(
  options: CertificateOptions,
): Promise<GatewayCertificate> {
  const { certPath, keyPath } = options;
  if (certPath !== undefined || keyPath !== undefined) {
    if (certPath === undefined || keyPath === undefined)
      throw new ConfigError([
        'GATEWAY_TLS_CERT and GATEWAY_TLS_KEY: give both (a PEM certificate and its key) or neither',
      ]);
    try {
      return describe(...(await readPair(certPath, keyPath)), 'given');
    } catch (error) {
      throw new ConfigError([
        `GATEWAY_TLS_CERT ("${certPath}") / GATEWAY_TLS_KEY ("${keyPath}"): ${(error as Error).message}`,
      ]);
    }
  }
  const now = options.now ?? new Date();
  const keptCert = join(options.dir, CERT_FILE);
  const keptKey = join(options.dir, KEY_FILE);
  try {
    const kept = describe(...(await readPair(keptCert, keptKey)), 'kept');
    if (kept.validTo.getTime() - now.getTime() > RENEW_BEFORE_MS) return kept;
  } catch {
    // None kept yet, or unreadable: make one.
  }
  const made = await makeSelfSignedCertificate({
    commonName: `Sapora gateway on ${hostname()}`,
    validDays: VALID_DAYS,
    now,
  });
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  // Written aside and renamed, so a crash never leaves a certificate without its key.
  await writeFile(`${keptKey}.new`, made.key, { mode: 0o600 });
  await writeFile(`${keptCert}.new`, made.cert, { mode: 0o644 });
  await rename(`${keptKey}.new`, keptKey);
  await rename(`${keptCert}.new`, keptCert);
  return describe(made.cert, made.key, 'made');
}
