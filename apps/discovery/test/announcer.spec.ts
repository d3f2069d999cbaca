import { createSocket, Socket } from 'node:dgram';
import { Announcement, decodeAnnouncement, PROTOCOL_VERSION } from '@sapora/protocol';
import { createLogger } from '@sapora/service-kit';
import { waitFor } from '@sapora/testing';
import { createDiscoveryApp, DiscoveryApp } from '../src/create-discovery-app';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('discovery service: announcing on loopback', () => {
  let receiver: Socket;
  let received: Announcement[];
  let discovery: DiscoveryApp | null = null;

  beforeEach(async () => {
    received = [];
    receiver = createSocket('udp4');
    receiver.on('message', (datagram) => received.push(decodeAnnouncement(datagram)));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await discovery?.app.close();
    discovery = null;
    receiver.close();
  });

  async function start(env: Record<string, string>): Promise<DiscoveryApp> {
    discovery = await createDiscoveryApp(
      {
        NODE_ENV: 'test',
        DISCOVERY_PORT: String(receiver.address().port),
        DISCOVERY_BROADCAST: '127.0.0.1',
        ...env,
      },
      { logger: createLogger('discovery', { level: 'silent', nodeEnv: 'test' }) },
    );
    return discovery;
  }

  it('announces at once, not only after the first interval', async () => {
    const { announcer } = await start({
      DISCOVERY_INTERVAL_MS: '60000',
      SERVER_NAME: 'Aula',
      CONTROL_PUBLIC_HOST: '192.0.2.10',
      CONTROL_PUBLIC_PORT: '5050',
    });
    await waitFor(() => received.length >= 1, { timeoutMs: 2_000, what: 'the first announcement' });
    expect(received).toEqual([
      {
        serverId: announcer.serverId,
        name: 'Aula',
        protocolVersion: PROTOCOL_VERSION,
        controlHost: '192.0.2.10',
        controlPort: 5050,
      },
    ]);
  });

  it('announces every interval as the same server, and nothing once stopped', async () => {
    const { app, announcer } = await start({ DISCOVERY_INTERVAL_MS: '100' });
    await waitFor(() => received.length >= 4, { timeoutMs: 2_000, what: 'four announcements' });
    expect(new Set(received.map((announcement) => announcement.serverId))).toEqual(
      new Set([announcer.serverId]),
    );

    await app.close();
    discovery = null;
    const count = received.length;
    await sleep(300);
    expect(received.length).toBe(count);
    expect(announcer.stats).toMatchObject({ failed: 0 });
    expect(announcer.stats.sent).toBeGreaterThanOrEqual(4);
  });
});
