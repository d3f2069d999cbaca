import { once } from 'node:events';
import { connect as connectPlain, Socket } from 'node:net';
import { connect as connectTls, TLSSocket } from 'node:tls';
import {
  CONTROL_TO_CLIENT_LIMITS,
  decodePayload,
  encodeFrame,
  ErrorCode,
  Frame,
  FrameDecoder,
  MessageType,
} from '@sapora/protocol';
import { waitFor } from '@sapora/testing';
import { CertificatePair, makeSelfSignedCertificate } from '../tls/self-signed-certificate';
import { FramedTcpServer, PLAINTEXT_REFUSED_TEXT } from './framed-tcp-server';

const LIMITS = new Map([[MessageType.Heartbeat, 64]]);

describe('FramedTcpServer over TLS', () => {
  let identity: CertificatePair;
  const servers: FramedTcpServer[] = [];

  beforeAll(async () => {
    identity = await makeSelfSignedCertificate({ commonName: 'test', validDays: 1 });
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.stopAccepting();
      server.connections.forEach((connection) => connection.destroy());
      await server.drain(100);
    }
  });

  /** A server that echoes every frame back with its own sequence number. */
  async function start(allowPlaintext: boolean, handshakeTimeoutMs = 5_000): Promise<number> {
    const server = new FramedTcpServer({
      host: '127.0.0.1',
      port: 0,
      limits: LIMITS,
      incompleteFrameTimeoutMs: 1_000,
      maxSendBufferBytes: 256 * 1024,
      security: { tls: identity, allowPlaintext, handshakeTimeoutMs },
    });
    server.on('connection', (connection) =>
      connection.on('frame', (frame) => connection.send(frame.type, frame.payload)),
    );
    servers.push(server);
    return (await server.listen()).port;
  }

  function frames(socket: Socket): Frame[] {
    const decoder = new FrameDecoder(CONTROL_TO_CLIENT_LIMITS);
    const received: Frame[] = [];
    socket.on('data', (chunk: Buffer) => received.push(...decoder.push(chunk)));
    return received;
  }

  async function tlsClient(port: number): Promise<TLSSocket> {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    return socket;
  }

  async function plainClient(port: number): Promise<Socket> {
    const socket = connectPlain(port, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  }

  it('speaks frames over TLS and presents its certificate', async () => {
    const socket = await tlsClient(await start(false));
    expect(socket.getPeerCertificate().fingerprint256).toBe(identity.fingerprint256);
    const received = frames(socket);
    socket.write(encodeFrame(MessageType.Heartbeat, 7, Buffer.alloc(0)));
    await waitFor(() => received[0], { what: 'the echo over TLS' });
    expect(received[0].type).toBe(MessageType.Heartbeat);
    socket.destroy();
  });

  it('answers a plain TCP peer with TLS_REQUIRED and closes, unless plain TCP is allowed', async () => {
    const socket = await plainClient(await start(false));
    const received = frames(socket);
    socket.write(encodeFrame(MessageType.Heartbeat, 1, Buffer.alloc(0)));
    await once(socket, 'close');
    expect(received).toHaveLength(1);
    expect(received[0].type).toBe(MessageType.Error);
    expect(decodePayload(MessageType.Error, received[0].payload)).toMatchObject({
      code: ErrorCode.TlsRequired,
      message: PLAINTEXT_REFUSED_TEXT,
      fatal: true,
    });
  });

  it('takes TLS and plain peers on one port when plain TCP is allowed', async () => {
    const port = await start(true);
    const plain = await plainClient(port);
    const secure = await tlsClient(port);
    const plainFrames = frames(plain);
    const secureFrames = frames(secure);
    // A frame split across writes: the first byte alone decides, then the rest follows.
    const frame = encodeFrame(MessageType.Heartbeat, 3, Buffer.alloc(0));
    plain.write(frame.subarray(0, 1));
    plain.write(frame.subarray(1));
    secure.write(frame);
    await waitFor(() => plainFrames[0] && secureFrames[0], { what: 'both echoes' });
    expect([plainFrames[0].type, secureFrames[0].type]).toEqual([
      MessageType.Heartbeat,
      MessageType.Heartbeat,
    ]);
    plain.destroy();
    secure.destroy();
  });

  it('cuts off a peer that never starts', async () => {
    const socket = await plainClient(await start(false, 200));
    await once(socket, 'close');
  });
});
