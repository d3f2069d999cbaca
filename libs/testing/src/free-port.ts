import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Below the kernel's ephemeral range (32768–60999 here), so a port picked now is not handed to
 * some client's socket (a browser's, another suite's UDP client) before the service binds it.
 */
const LOWEST = 20_000;
const HIGHEST = 32_000;
const ATTEMPTS = 200;

/**
 * A port nothing uses right now on `host`, for TCP and UDP both: media services bind UDP on the
 * port a test gives them, and a port free for TCP may be some other process's UDP socket.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if ((await tcpFree(host, port)) && (await udpFree(host, port))) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} on ${host}`);
}

function tcpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}
