import { connect, Socket } from 'node:net';
import {
  decodePayload,
  encodeFrame,
  ErrorCode,
  FrameDecoder,
  MessageType,
  FrameTooLargeError,
  IncompleteFrameTimeoutError,
} from '@sapora/protocol';
import { waitFor } from '@sapora/testing';
import { FramedConnection } from './framed-connection';
import { FramedTcpServer } from './framed-tcp-server';

const LIMITS = new Map([
  [1, 64],
  [2, 1024],
]);

describe('FramedTcpServer and FramedConnection', () => {
  let server: FramedTcpServer;
  let port: number;
  const connections: FramedConnection[] = [];

  beforeEach(async () => {
    server = new FramedTcpServer({
      host: '127.0.0.1',
      port: 0,
      limits: LIMITS,
      incompleteFrameTimeoutMs: 150,
      maxSendBufferBytes: 256 * 1024,
      // Framing is the same over TLS; these cases speak plain TCP (framed-tcp-server-tls.spec.ts: TLS).
      security: { tls: null, allowPlaintext: true, handshakeTimeoutMs: 5_000 },
    });
    server.on('connection', (connection) => connections.push(connection));
    port = (await server.listen()).port;
  });

  afterEach(async () => {
    server.stopAccepting();
    connections.forEach((connection) => connection.destroy());
    connections.length = 0;
    await server.drain(100);
  });

  async function client(): Promise<Socket> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  }

  const waitForConnection = (): Promise<FramedConnection> =>
    waitFor(() => connections[0], { what: 'the server to take the connection' });

  it('turns bytes into frames and answers with numbered frames', async () => {
    const socket = await client();
    const decoder = new FrameDecoder(LIMITS);
    const answers: number[] = [];
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk).forEach((frame) => answers.push(frame.sequence)),
    );
    const payloads: string[] = [];
    const connection = await waitForConnection();
    const one = encodeFrame(2, 1, Buffer.from('one'));
    const two = encodeFrame(2, 2, Buffer.from('two'));
    await new Promise<void>((resolve) => {
      connection.on('frame', (frame) => {
        payloads.push(frame.payload.toString());
        connection.send(2, Buffer.from('ack'));
        // The rest of the second frame's header only once the first frame is through: the
        // header arrives cut in two.
        if (payloads.length === 1) socket.write(two.subarray(7));
        if (payloads.length === 2) resolve();
      });
      socket.write(Buffer.concat([one, two.subarray(0, 7)]));
    });
    expect(payloads).toEqual(['one', 'two']);
    await waitFor(() => answers.length === 2, { what: 'both answers' });
    expect(answers).toEqual([1, 2]);
    expect(connections[0].remoteAddress).toBe('127.0.0.1');
    socket.destroy();
  });

  it('reports an oversize frame from its header and a frame left half sent', async () => {
    const errors: Error[] = [];
    server.on('connection', (connection) =>
      connection.on('protocolError', (error) => errors.push(error)),
    );
    const big = await client();
    big.write(encodeFrame(1, 1, Buffer.alloc(65)).subarray(0, 10));
    const slow = await client();
    slow.write(encodeFrame(2, 1, Buffer.alloc(10)).subarray(0, 12));
    const reported = (kind: new (...args: never[]) => Error): boolean =>
      errors.some((error) => error instanceof kind);
    await waitFor(() => reported(FrameTooLargeError) && reported(IncompleteFrameTimeoutError), {
      what: 'an oversize frame and a frame left half sent to be reported',
    });
    big.destroy();
    slow.destroy();
  });

  it('closes a connection that sends nothing when one is required, with a TIMEOUT error', async () => {
    const strict = new FramedTcpServer({
      host: '127.0.0.1',
      port: 0,
      limits: LIMITS,
      incompleteFrameTimeoutMs: 1_000,
      maxSendBufferBytes: 256 * 1024,
      firstFrameTimeoutMs: 100,
      security: { tls: null, allowPlaintext: true, handshakeTimeoutMs: 5_000 },
    });
    strict.on('connection', (connection) =>
      connection.on('protocolError', (error) => connection.closeForProtocolError(error)),
    );
    const strictPort = (await strict.listen()).port;
    const silent = connect(strictPort, '127.0.0.1');
    const talker = connect(strictPort, '127.0.0.1');
    talker.on('connect', () => talker.write(encodeFrame(2, 1, Buffer.from('hi'))));
    const received: Buffer[] = [];
    silent.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise((resolve) => silent.once('close', resolve));
    const [answer] = new FrameDecoder(new Map([[MessageType.Error, 4096]])).push(
      Buffer.concat(received),
    );
    expect(decodePayload(MessageType.Error, answer.payload)).toMatchObject({
      code: ErrorCode.Timeout,
      fatal: true,
      message: 'no request within 100 ms of connecting',
    });
    // One that spoke in time stays.
    expect(talker.destroyed).toBe(false);
    talker.destroy();
    strict.stopAccepting();
    await strict.drain(100);
  });

  it('stops accepting at once, and drain cuts off connections that outstay the grace', async () => {
    const socket = await client();
    await waitForConnection();
    server.stopAccepting();
    const refused = connect(port, '127.0.0.1');
    await expect(
      new Promise((resolve, reject) => {
        refused.once('connect', resolve);
        refused.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await server.drain(50);
    await closed;
    expect(server.connections.size).toBe(0);
  });
});
