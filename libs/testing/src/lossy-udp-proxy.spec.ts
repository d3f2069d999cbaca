import { createSocket } from 'node:dgram';
import { LossyProxy, packetsOnLink } from './lossy-udp-proxy';
import { waitFor } from './wait-for';

describe('LossyProxy', () => {
  it('counts a datagram as the IPv4 packets it becomes on an Ethernet link', () => {
    expect(packetsOnLink(0, 1500)).toBe(1);
    expect(packetsOnLink(1200, 1500)).toBe(1);
    expect(packetsOnLink(1472, 1500)).toBe(1);
    expect(packetsOnLink(1473, 1500)).toBe(2);
    expect(packetsOnLink(4096, 1500)).toBe(3);
    expect(packetsOnLink(8192, 1500)).toBe(6);
    expect(packetsOnLink(16384, 1500)).toBe(12);
  });

  it('drops a large datagram when any of its packets is the one to lose', async () => {
    const server = createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const arrived: number[] = [];
    server.on('message', (bytes: Buffer) => arrived.push(bytes.readUInt32BE(0)));
    const proxy = await LossyProxy.start(server.address().port, {
      reorderEvery: 1e9,
      duplicateEvery: 1e9,
      dropEvery: 10,
      linkMtu: 1500,
    });
    const client = createSocket('udp4');
    try {
      // 8192-byte datagrams are 6 packets each: 20 of them are 120 packets, so 12 drops.
      // One at a time: a burst of large datagrams could overflow a default socket buffer.
      for (let i = 0; i < 20; i++) {
        const datagram = Buffer.alloc(8192);
        datagram.writeUInt32BE(i, 0);
        client.send(datagram, proxy.port, '127.0.0.1');
        await waitFor(() => proxy.stats.received === i + 1, { what: `datagram ${i} at the proxy` });
      }
      await waitFor(() => arrived.length === proxy.stats.forwarded, { what: 'the rest through' });
      expect(proxy.stats.packets).toBe(120);
      expect(proxy.stats.dropped).toBe(12);
      expect(arrived.length).toBe(8);
    } finally {
      client.close();
      server.close();
      await proxy.close();
    }
  });
});
