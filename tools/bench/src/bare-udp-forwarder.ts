/**
 * The ceiling for the video benchmark: a Node process that does nothing but receive a datagram
 * and send it to every other peer it has heard from. No tokens, no rooms, no rewrite.
 *   node bare-udp-forwarder.js PORT
 */
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2]);
const peers = new Map<string, { address: string; port: number }>();
const socket = createSocket('udp4');
socket.on('message', (bytes, from) => {
  const key = `${from.address}:${from.port}`;
  if (!peers.has(key)) peers.set(key, { address: from.address, port: from.port });
  for (const [peerKey, peer] of peers)
    if (peerKey !== key) socket.send(bytes, peer.port, peer.address);
});
socket.bind(port, '127.0.0.1', () => {
  socket.setRecvBufferSize(8 * 1024 * 1024);
  socket.setSendBufferSize(8 * 1024 * 1024);
  process.stdout.write(`bare forwarder listening on 127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
