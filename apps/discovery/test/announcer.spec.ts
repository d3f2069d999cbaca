import { X509Certificate } from 'node:crypto';
import { createSocket, Socket } from 'node:dgram';
import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import { generate } from 'selfsigned';
import { Announcement, decodeAnnouncement, PROTOCOL_VERSION } from '@sapora/protocol';
import { createLogger, RunningService } from '@sapora/service-kit';
import { waitFor } from '@sapora/testing';
import { Announcer } from '../src/announcer/announcer';
import { DiscoveryConfig } from '../src/config/discovery-config';
import { discoveryService } from '../src/discovery-service';

type DiscoveryApp = RunningService<DiscoveryConfig>;

describe('discovery service: announcing on loopback', () => {
  let receiver: Socket;
  let received: Announcement[];
  let discovery: DiscoveryApp | null = null;
  let witness: DiscoveryApp | null = null;

  beforeEach(async () => {
    received = [];
    receiver = createSocket('udp4');
    receiver.on('message', (datagram) => received.push(decodeAnnouncement(datagram)));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await discovery?.app.close();
    await witness?.app.close();
    discovery = null;
    witness = null;
    receiver.close();
  });

  function startService(env: Record<string, string>): Promise<DiscoveryApp> {
    return discoveryService.start(
      {
        NODE_ENV: 'test',
        DISCOVERY_PORT: String(receiver.address().port),
        DISCOVERY_BROADCAST: '127.0.0.1',
        ...env,
      },
      { logger: createLogger('discovery', { level: 'silent', nodeEnv: 'test' }) },
    );
  }

  async function start(env: Record<string, string>): Promise<DiscoveryApp> {
    discovery = await startService(env);
    return discovery;
  }

  it('announces at once, not only after the first interval', async () => {
    const announcer = (
      await start({
        DISCOVERY_INTERVAL_MS: '60000',
        SERVER_NAME: 'Aula',
        CONTROL_PUBLIC_HOST: '192.0.2.10',
        CONTROL_PUBLIC_PORT: '5050',
      })
    ).app.get(Announcer);
    await waitFor(() => received.length >= 1, {
      timeoutMs: 10_000,
      what: 'the first announcement',
    });
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
    const { app } = await start({ DISCOVERY_INTERVAL_MS: '100' });
    const announcer = app.get(Announcer);
    await waitFor(() => received.length >= 4, { timeoutMs: 10_000, what: 'four announcements' });
    expect(new Set(received.map((announcement) => announcement.serverId))).toEqual(
      new Set([announcer.serverId]),
    );

    await app.close();
    discovery = null;
    // Another server, started after the first stopped, announces to the same port: once three
    // of its announcements (two intervals) have arrived, anything the first sent would have.
    witness = await startService({ DISCOVERY_INTERVAL_MS: '100' });
    const witnessId = witness.app.get(Announcer).serverId;
    await waitFor(() => received.filter((a) => a.serverId === witnessId).length >= 3, {
      timeoutMs: 10_000,
      what: 'three announcements from another server',
    });
    const firstFromWitness = received.findIndex((a) => a.serverId === witnessId);
    expect(
      received.slice(firstFromWitness).filter((a) => a.serverId === announcer.serverId),
    ).toEqual([]);
    expect(announcer.stats).toMatchObject({ failed: 0 });
    expect(announcer.stats.sent).toBeGreaterThanOrEqual(4);
  });

  it("announces control's TLS fingerprint, learned from control on this host or given", async () => {
    const pems = await generate([{ name: 'commonName', value: 'control' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
    });
    const fingerprint = new X509Certificate(pems.cert).fingerprint256;
    // Stands in for control: all the announcer needs of it is its TLS handshake.
    const control = createServer({ key: pems.private, cert: pems.cert }, (socket) => socket.end());
    control.listen(0, '127.0.0.1');
    await once(control, 'listening');
    try {
      const { app } = await start({
        DISCOVERY_INTERVAL_MS: '100',
        CONTROL_PUBLIC_HOST: '192.0.2.10',
        CONTROL_PUBLIC_PORT: String((control.address() as AddressInfo).port),
      });
      await waitFor(() => received.some((a) => a.fingerprint256 === fingerprint), {
        what: 'an announcement with the fingerprint',
      });
      expect(app.get(Announcer).fingerprint256).toBe(fingerprint);
    } finally {
      await new Promise((resolve) => control.close(resolve));
    }

    await discovery?.app.close();
    const given = 'ab'.repeat(32);
    discovery = await startService({ CONTROL_FINGERPRINT: given, CONTROL_PUBLIC_PORT: '5050' });
    await waitFor(() => received.some((a) => a.fingerprint256 === Array(32).fill('AB').join(':')), {
      what: 'an announcement with the given fingerprint',
    });
  });
});
