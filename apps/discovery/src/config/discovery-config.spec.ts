import { hostname } from 'node:os';
import { ConfigError, loadConfig } from '@sapora/service-kit';
import { DiscoveryConfig } from './discovery-config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(DiscoveryConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('DiscoveryConfig', () => {
  it('defaults to the seed ports, the host name and addresses from the interfaces', () => {
    expect(loadConfig(DiscoveryConfig, {})).toMatchObject({
      DISCOVERY_PORT: 5001,
      DISCOVERY_INTERVAL_MS: 5000,
      SERVER_NAME: hostname(),
      CONTROL_PUBLIC_HOST: undefined,
      CONTROL_PUBLIC_PORT: 5000,
      DISCOVERY_BROADCAST: undefined,
    });
  });

  it('reads a broadcast list, a host name and a name', () => {
    expect(
      loadConfig(DiscoveryConfig, {
        DISCOVERY_BROADCAST: '192.168.1.255, 10.0.0.255,',
        CONTROL_PUBLIC_HOST: 'sapora.local',
        SERVER_NAME: 'Aula Magna – 2. OG',
        DISCOVERY_INTERVAL_MS: '300',
      }),
    ).toMatchObject({
      DISCOVERY_BROADCAST: ['192.168.1.255', '10.0.0.255'],
      CONTROL_PUBLIC_HOST: 'sapora.local',
      SERVER_NAME: 'Aula Magna – 2. OG',
      DISCOVERY_INTERVAL_MS: 300,
    });
    expect(loadConfig(DiscoveryConfig, { CONTROL_PUBLIC_HOST: '10.0.0.5' })).toMatchObject({
      CONTROL_PUBLIC_HOST: '10.0.0.5',
    });
  });

  it('names what an announcement could not carry', () => {
    expect(
      problems({
        DISCOVERY_BROADCAST: '192.168.1.255,lan',
        CONTROL_PUBLIC_HOST: 'my host',
        SERVER_NAME: 'ü'.repeat(33),
        CONTROL_PUBLIC_PORT: '0',
        DISCOVERY_INTERVAL_MS: '10',
      }),
    ).toEqual([
      expect.stringMatching(/^DISCOVERY_INTERVAL_MS \("10"\)/),
      'SERVER_NAME ("' + 'ü'.repeat(33) + '"): must be 1 to 64 bytes of UTF-8',
      'CONTROL_PUBLIC_HOST ("my host"): must be an IP address or host name clients can reach, e.g. 10.0.0.5',
      expect.stringMatching(/^CONTROL_PUBLIC_PORT \("0"\)/),
      'DISCOVERY_BROADCAST ("192.168.1.255,lan"): must be comma-separated IPv4 addresses, e.g. 10.0.0.255',
    ]);
    expect(problems({ DISCOVERY_BROADCAST: ' , ' })).toEqual([
      'DISCOVERY_BROADCAST (" , "): must list at least one address',
    ]);
    expect(problems({ SERVER_NAME: 'a\tb' })).toEqual([
      'SERVER_NAME ("a\tb"): must not contain control characters',
    ]);
  });
});
