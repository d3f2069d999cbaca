import { FileFingerprintStore, MemoryFingerprintStore } from '@sapora/client';
import { createLogger, loadConfig } from '@sapora/service-kit';
import { GatewayConfig } from '../config/gateway-config';
import { ServerDirectory } from './server-directory';

const logger = createLogger('gateway', { level: 'silent', nodeEnv: 'test' });
const directory = (env: Record<string, string>): ServerDirectory =>
  new ServerDirectory(loadConfig(GatewayConfig, { GATEWAY_CONTROL: '10.0.0.5', ...env }), logger);

describe('ServerDirectory: how the gateway trusts the servers it reaches', () => {
  it('holds its own server to the configured fingerprint, over TLS, keys kept in memory by default', () => {
    const { trust } = directory({ GATEWAY_CONTROL_FINGERPRINT: 'ab'.repeat(32) }).resolve('');
    expect(trust).toMatchObject({ insecure: false, fingerprint256: 'ab'.repeat(32) });
    expect(trust.store).toBeInstanceOf(MemoryFingerprintStore);
  });

  it('remembers keys in GATEWAY_KNOWN_SERVERS, shared by every server it reaches', () => {
    const servers = directory({
      GATEWAY_KNOWN_SERVERS: '/tmp/known.json',
      GATEWAY_ANY_SERVER: 'on',
    });
    const own = servers.resolve('').trust;
    const other = servers.resolve('10.0.0.9:5000').trust;
    expect(own.store).toBeInstanceOf(FileFingerprintStore);
    expect(own.store?.location).toBe('/tmp/known.json');
    expect(other.store).toBe(own.store);
    expect(other.fingerprint256).toBeUndefined();
  });

  it('reaches servers over plain TCP only when told to', () => {
    expect(directory({ GATEWAY_UPSTREAM_INSECURE: 'on' }).resolve('').trust.insecure).toBe(true);
    expect(() => directory({ GATEWAY_UPSTREAM_INSECURE: 'yes' })).toThrow(
      /GATEWAY_UPSTREAM_INSECURE \("yes"\): must be on or off/,
    );
  });
});
