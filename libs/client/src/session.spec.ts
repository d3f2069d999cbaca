import { AddressInfo, createServer, Server, Socket } from 'node:net';
import {
  CLIENT_TO_CONTROL_LIMITS,
  encodeFrame,
  encodePayload,
  ErrorCode,
  Frame,
  FrameDecoder,
  MessageType,
} from '@sapora/protocol';
import { SaporaError } from './sapora-error';
import { Session } from './session';

/**
 * A scripted control server on real sockets: it answers REGISTER with a JOINED whose
 * heartbeat interval is short, records every frame, and lets each test misbehave.
 */
class ScriptedServer {
  readonly frames: Frame[] = [];
  readonly sockets: Socket[] = [];
  readonly server: Server;
  joins = 0;
  onRegister: (socket: Socket, frame: Frame) => void = (socket, frame) =>
    this.acceptJoin(socket, frame);

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.push(socket);
      const decoder = new FrameDecoder(CLIENT_TO_CONTROL_LIMITS);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
          this.frames.push(frame);
          if (frame.type === MessageType.Register) this.onRegister(socket, frame);
          if (frame.type === MessageType.Disconnect) socket.end();
        }
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  acceptJoin(socket: Socket, _frame: Frame): void {
    this.joins++;
    socket.write(
      encodeFrame(
        MessageType.Joined,
        1,
        encodePayload(MessageType.Joined, {
          participantId: 'p1',
          sessionToken: Buffer.alloc(16, 0xab),
          meetingId: 'default',
          username: 'tester',
          participants: {
            meetingId: 'default',
            participants: [
              {
                participantId: 'p1',
                username: 'tester',
                ip: '127.0.0.1',
                muted: false,
                presenting: false,
                joinedAtMs: 0,
              },
            ],
          },
          heartbeatIntervalMs: 40,
          idleTimeoutMs: 10_000,
        }),
      ),
    );
  }

  count(type: MessageType): number {
    return this.frames.filter((frame) => frame.type === type).length;
  }

  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 3_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('Session against a scripted server', () => {
  let server: ScriptedServer;
  let port: number;

  beforeEach(async () => {
    server = new ScriptedServer();
    port = await server.listen();
  });

  afterEach(async () => {
    await server.close();
  });

  it('joins, then heartbeats at the interval the server gave', async () => {
    const session = new Session({ host: '127.0.0.1', port, username: 'tester' });
    const info = await session.connect();
    expect(info.sessionToken.equals(Buffer.alloc(16, 0xab))).toBe(true);
    expect(session.participants.map((p) => p.username)).toEqual(['tester']);
    await until(() => server.count(MessageType.Heartbeat) >= 3, 'three heartbeats');
    const register = server.frames.find((frame) => frame.type === MessageType.Register)!;
    expect(register.sequence).toBe(1);
    session.close();
  });

  it('rejects connect with the code and message of a refusal', async () => {
    server.onRegister = (socket, frame) =>
      socket.write(
        encodeFrame(
          MessageType.Error,
          1,
          encodePayload(MessageType.Error, {
            code: ErrorCode.WrongPasscode,
            message: 'wrong passcode',
            requestSequence: frame.sequence,
          }),
        ),
      );
    const session = new Session({ host: '127.0.0.1', port, username: 'tester', passcode: 'x' });
    const error = (await session.connect().catch((e: unknown) => e)) as SaporaError;
    expect(error).toBeInstanceOf(SaporaError);
    expect(error.code).toBe(ErrorCode.WrongPasscode);
    expect(error.codeName).toBe('WrongPasscode');
  });

  it('explains an unreachable server', async () => {
    await server.close();
    const session = new Session({ host: '127.0.0.1', port, username: 'tester' });
    await expect(session.connect()).rejects.toThrow(
      `cannot reach 127.0.0.1:${port}: connection refused`,
    );
  });

  it('reconnects with its token after the connection drops', async () => {
    const session = new Session({
      host: '127.0.0.1',
      port,
      username: 'tester',
      reconnectMaxDelayMs: 50,
    });
    await session.connect();
    const resumed = new Promise((resolve) => session.once('rejoined', resolve));
    server.sockets[0].destroy();
    await resumed;
    const registers = server.frames.filter((frame) => frame.type === MessageType.Register);
    expect(registers).toHaveLength(2);
    expect(registers[1].payload.includes(Buffer.alloc(16, 0xab))).toBe(true);
    session.close();
  });

  it('does not come back after a DISCONNECT without retry', async () => {
    const session = new Session({
      host: '127.0.0.1',
      port,
      username: 'tester',
      reconnectMaxDelayMs: 20,
    });
    await session.connect();
    const closed = new Promise<{ reason: string; byServer: boolean }>((resolve) =>
      session.once('closed', resolve),
    );
    server.sockets[0].write(
      encodeFrame(
        MessageType.Disconnect,
        2,
        encodePayload(MessageType.Disconnect, { reason: 'kicked' }),
      ),
    );
    expect(await closed).toEqual({ reason: 'kicked', byServer: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.joins).toBe(1);
  });

  it('survives bytes that are not frames: an error event, then a reconnect', async () => {
    const session = new Session({
      host: '127.0.0.1',
      port,
      username: 'tester',
      reconnectMaxDelayMs: 20,
    });
    const errors: Error[] = [];
    session.on('error', (error) => errors.push(error));
    await session.connect();
    server.sockets[0].write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await until(() => server.joins === 2, 'a second join');
    expect(errors[0].message).toMatch(/unsupported protocol version 72/);
    session.close();
  });

  it('refuses chat over 4 KB locally, and rejects pending sends when the connection closes', async () => {
    const session = new Session({ host: '127.0.0.1', port, username: 'tester', reconnect: false });
    await session.connect();
    await expect(session.sendChat('all', 'x'.repeat(4097))).rejects.toMatchObject({
      code: ErrorCode.TextTooLong,
    });
    const pending = session.sendChat('all', 'never answered');
    server.sockets[0].destroy();
    await expect(pending).rejects.toThrow(/connection closed/);
  });
});
