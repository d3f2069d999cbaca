import { createPrivateKey, X509Certificate } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';

/** A PEM certificate with its key, checked to belong together. */
export interface CertificatePair {
  cert: string;
  key: string;
  /** SHA-256 of the certificate's DER bytes, colon-separated upper-case hex (as browsers and Node show it). */
  fingerprint256: string;
  validTo: Date;
}

/** Checks that the key belongs to the certificate and describes the pair; throws if not. */
export function describeCertificate(cert: string, key: string): CertificatePair {
  const x509 = new X509Certificate(cert);
  if (!x509.checkPrivateKey(createPrivateKey(key)))
    throw new Error('the private key does not belong to the certificate');
  return { cert, key, fingerprint256: x509.fingerprint256, validTo: new Date(x509.validTo) };
}

/** Names a client may reach this machine by: its host name, localhost and its IP addresses. */
function altNames(): ({ type: 2; value: string } | { type: 7; ip: string })[] {
  const ips = Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined)
    .map((info) => info.address.split('%')[0]);
  return [
    { type: 2 as const, value: 'localhost' },
    { type: 2 as const, value: hostname() },
    ...[...new Set(['127.0.0.1', '::1', ...ips])].map((ip) => ({ type: 7 as const, ip })),
  ];
}

export interface SelfSignedOptions {
  commonName: string;
  validDays: number;
  now?: Date;
}

/** A new P-256 key and a self-signed server certificate for it. */
export async function makeSelfSignedCertificate(
  options: SelfSignedOptions,
): Promise<CertificatePair> {
  const now = options.now ?? new Date();
  // Loaded when needed: the X.509 library costs every service's start otherwise (UDP ones too).
  const { generate } = await import('selfsigned');
  const made = await generate([{ name: 'commonName', value: options.commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + options.validDays * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames() },
    ],
  });
  return describeCertificate(made.cert, made.private);
}
