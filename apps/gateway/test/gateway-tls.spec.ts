import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { TLSSocket } from 'node:tls';
import pino from 'pino';
import { generate } from 'selfsigned';
import { ConfigError, HttpEdge, RunningService } from '@sapora/service-kit';
import { GatewayConfig } from '../src/config/gateway-config';
import { gatewayService } from '../src/gateway-service';

/** What the gateway serves: its page, and the certificate a browser sees. */
function fetchPage(url: string): Promise<{ body: string; fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false }, (res) => {
      const fingerprint256 = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ body, fingerprint256 }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway TLS', () => {
  let dir: string;
  let running: RunningService<GatewayConfig> | null = null;
  let logged = '';

  /** Starts the gateway in this process; resolves with the address browsers would open. */
  const start = async (env: Record<string, string> = {}): Promise<string> => {
    logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    running = await gatewayService.start(
      {
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: '0',
        GATEWAY_CONTROL: 'none',
        GATEWAY_TLS_DIR: join(dir, 'kept'),
        GATEWAY_SPOOL_DIR: join(dir, 'spool'),
        ...env,
      },
      { logger: pino({ level: 'info' }, sink) },
    );
    return running.app.get(HttpEdge).url;
  };
  const stop = async (): Promise<void> => {
    await running?.close();
    running = null;
  };
  /** The fingerprint the gateway logged, and whether it made the certificate, kept it, or was given it. */
  const loggedCertificate = (): { fingerprint: string; source: string } | null => {
    const match =
      /certificate SHA-256 fingerprint ([0-9A-F:]+)( \(self-signed, (made now|kept))?/.exec(logged);
    return match === null ? null : { fingerprint: match[1], source: match[3] ?? 'given' };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-gateway-tls-'));
  });
  afterEach(stop);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a self-signed certificate once, keeps it, and logs the fingerprint browsers show', async () => {
    const first = await start();
    expect(first).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const served = await fetchPage(first);
    expect(served.body).toContain('<div id="app">');
    expect(loggedCertificate()).toEqual({ fingerprint: served.fingerprint256, source: 'made now' });
    await stop();

    const again = await start();
    expect((await fetchPage(again)).fingerprint256).toBe(served.fingerprint256);
    expect(loggedCertificate()).toEqual({ fingerprint: served.fingerprint256, source: 'kept' });
  });

  it('serves a given certificate, and refuses half of one or an unreadable one with the variable named', async () => {
    const made = await generate([{ name: 'commonName', value: 'sapora.example' }], {
      keyType: 'ec',
      algorithm: 'sha256',
    });
    writeFileSync(join(dir, 'cert.pem'), made.cert);
    writeFileSync(join(dir, 'key.pem'), made.private);
    const given = await start({
      GATEWAY_TLS_CERT: join(dir, 'cert.pem'),
      GATEWAY_TLS_KEY: join(dir, 'key.pem'),
    });
    const expected = new X509Certificate(made.cert).fingerprint256;
    expect((await fetchPage(given)).fingerprint256).toBe(expected);
    expect(loggedCertificate()).toEqual({ fingerprint: expected, source: 'given' });
    await stop();

    await expect(start({ GATEWAY_TLS_CERT: join(dir, 'cert.pem') })).rejects.toThrow(
      /GATEWAY_TLS_CERT and GATEWAY_TLS_KEY: give both/,
    );
    const unreadable = start({
      GATEWAY_TLS_CERT: join(dir, 'missing.pem'),
      GATEWAY_TLS_KEY: join(dir, 'key.pem'),
    });
    await expect(unreadable).rejects.toBeInstanceOf(ConfigError);
    await expect(unreadable).rejects.toThrow(/GATEWAY_TLS_CERT \(".*missing\.pem"\)/);
  });

  it('serves plain http when TLS is off (a gateway on 127.0.0.1)', async () => {
    const plain = await start({ GATEWAY_TLS: 'off' });
    expect(plain).toMatch(/^http:\/\//);
    expect(loggedCertificate()).toBeNull();
    const response = await fetch(`${plain}health`);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
