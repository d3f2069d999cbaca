import { createSocket, Socket } from 'node:dgram';
import { Announcement, encodeAnnouncement } from '@sapora/protocol';
import { DiscoveredServer, discover, DiscoveryListener } from './discovery-listener';

const aula: Announcement = {
  serverId: '6f1c2a4e-9b7d-4e3a-8c51-2d0f4b6a9e13',
  name: 'Aula',
  protocolVersion: 1,
  controlHost: '10.0.0.5',
  controlPort: 5000,
};
const bibliothek: Announcement = {
  ...aula,
  serverId: '0b9a3c1d-2e4f-4a6b-8c7d-9e0f1a2b3c4d',
  name: 'Bibliothek',
};

function nextEvent<T>(listener: DiscoveryListener, event: 'server' | 'update' | 'lost' | 'error') {
  return new Promise<T>((resolve) => listener.once(event, (value: unknown) => resolve(value as T)));
}

describe('DiscoveryListener', () => {
  let sender: Socket;
  let listener: DiscoveryListener | null = null;

  beforeEach(async () => {
    sender = createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  });

  afterEach(() => {
    listener?.close();
    listener = null;
    sender.close();
  });

  async function started(staleAfterMs = 5_000): Promise<DiscoveryListener> {
    listener = new DiscoveryListener({ port: 0, address: '127.0.0.1', staleAfterMs });
    await listener.start();
    return listener;
  }

  function send(to: DiscoveryListener, bytes: Buffer): void {
    sender.send(bytes, to.port, '127.0.0.1');
  }

  it('lists a server it hears, with the sender address, and reports new ones', async () => {
    const listener = await started();
    const heard = nextEvent<DiscoveredServer>(listener, 'server');
    const before = Date.now();
    send(listener, encodeAnnouncement(aula));
    const server = await heard;
    expect(server).toEqual({
      id: aula.serverId,
      name: 'Aula',
      protocolVersion: 1,
      controlHost: '10.0.0.5',
      controlPort: 5000,
      address: '127.0.0.1',
      lastSeen: expect.any(Date),
    });
    expect(server.lastSeen.getTime()).toBeGreaterThanOrEqual(before);

    const second = nextEvent<DiscoveredServer>(listener, 'server');
    send(listener, encodeAnnouncement(bibliothek));
    await second;
    expect(listener.servers.map((s) => s.name)).toEqual(['Aula', 'Bibliothek']);
  });

  it('updates a server whose announcement changed, and only then', async () => {
    const listener = await started();
    const updates: DiscoveredServer[] = [];
    listener.on('update', (server) => updates.push(server));
    const heard = nextEvent(listener, 'server');
    send(listener, encodeAnnouncement(aula));
    await heard;
    send(listener, encodeAnnouncement(aula));
    const updated = nextEvent<DiscoveredServer>(listener, 'update');
    send(listener, encodeAnnouncement({ ...aula, name: 'Aula 2', controlPort: 5050 }));
    expect(await updated).toMatchObject({ id: aula.serverId, name: 'Aula 2', controlPort: 5050 });
    expect(updates).toHaveLength(1);
    expect(listener.servers).toHaveLength(1);
  });

  it('ignores and reports a malformed datagram, and keeps listening', async () => {
    const listener = await started();
    const errors: Error[] = [];
    listener.on('error', (error) => errors.push(error));
    const reported = nextEvent<Error>(listener, 'error');
    send(listener, Buffer.from('SAPD\x01garbage'));
    expect((await reported).message).toMatch(
      /^malformed announcement from 127\.0\.0\.1:\d+: announcement truncated/,
    );
    expect(listener.servers).toEqual([]);

    const heard = nextEvent(listener, 'server');
    send(listener, encodeAnnouncement(aula));
    await heard;
    expect(listener.servers).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('drops malformed datagrams silently when no one listens for errors', async () => {
    const listener = await started();
    send(listener, Buffer.from('hello'));
    const heard = nextEvent(listener, 'server');
    send(listener, encodeAnnouncement(aula));
    await heard;
    expect(listener.servers).toHaveLength(1);
  });

  it('loses a server not heard for staleAfterMs, and finds it again', async () => {
    const listener = await started(200);
    const heard = nextEvent(listener, 'server');
    send(listener, encodeAnnouncement(aula));
    await heard;
    const sentAt = Date.now();
    const lost = await nextEvent<DiscoveredServer>(listener, 'lost');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(150);
    expect(lost).toMatchObject({ id: aula.serverId, name: 'Aula' });
    expect(listener.servers).toEqual([]);

    const again = nextEvent(listener, 'server');
    send(listener, encodeAnnouncement(aula));
    await again;
    expect(listener.servers).toHaveLength(1);
  });

  it('shares its port with another listener', async () => {
    const first = await started();
    const second = new DiscoveryListener({ port: first.port, address: '127.0.0.1' });
    try {
      await expect(second.start()).resolves.toBeUndefined();
    } finally {
      second.close();
    }
  });

  it('rejects start() when the port is taken by a socket that does not share', async () => {
    const port = (sender.address() as { port: number }).port;
    const blocked = new DiscoveryListener({ port, address: '127.0.0.1' });
    await expect(blocked.start()).rejects.toThrow(/EADDRINUSE/);
    blocked.close();
  });
});

describe('discover', () => {
  it('returns what it heard while listening', async () => {
    const probe = new DiscoveryListener({ port: 0, address: '127.0.0.1' });
    await probe.start();
    const port = probe.port;
    probe.close();

    const sender = createSocket('udp4');
    const announce = setInterval(
      () => sender.send(encodeAnnouncement(bibliothek), port, '127.0.0.1'),
      50,
    );
    try {
      const servers = await discover({ port, address: '127.0.0.1', timeoutMs: 300 });
      expect(servers).toEqual([
        expect.objectContaining({ name: 'Bibliothek', address: '127.0.0.1' }),
      ]);
    } finally {
      clearInterval(announce);
      sender.close();
    }
  });
});
