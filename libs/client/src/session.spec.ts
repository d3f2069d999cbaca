import { AddressInfo, Socket } from 'node:net';
import { createServer, Server } from 'node:tls';
import { generate } from 'selfsigned';
import {
  CLIENT_TO_CONTROL_LIMITS,
  encodeFrame,
  encodePayload,
  ErrorCode,
  Frame,
  FrameDecoder,
  MessageType,
} from '@sapora/protocol';
import { waitFor } from '@sapora/testing';
import { SaporaError } from './sapora-error';
import { Session } from './session';

const participant = (participantId: string, username: string) => ({
  participantId,
  username,
  ip: '127.0.0.1',
  muted: false,
  presenting: false,
  joinedAtMs: 0,
  host: false,
  handRaised: false,
  mutedBy: '',
  recording: false,
});

/** One TLS key for every scripted server of this file: each Session trusts the first it sees. */
const identity = generate([{ name: 'commonName', value: 'scripted' }], {
  keyType: 'ec',
  curve: 'P-256',
  algorithm: 'sha256',
});

/**
 * A scripted control server on real sockets (TLS, as every Sapora service): it answers REGISTER with a JOINED whose
 * heartbeat interval is short, records every frame, and lets each test misbehave.
 */
class ScriptedServer {
  readonly frames: Frame[] = [];
  readonly sockets: Socket[] = [];
  readonly server: Server;
  joins = 0;
  onRegister: (socket: Socket, frame: Frame) => void = (socket, frame) =>
    this.acceptJoin(socket, frame);

  constructor(pems: { private: string; cert: string }) {
    this.server = createServer({ key: pems.private, cert: pems.cert }, (socket) => {
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
    socket.write(this.joined());
  }

  /** A JOINED frame for "tester", alone in the room. */
  joined(): Buffer {
    return encodeFrame(
      MessageType.Joined,
      1,
      encodePayload(MessageType.Joined, {
        participantId: 'p1',
        sessionToken: Buffer.alloc(16, 0xab),
        meetingId: 'default',
        username: 'tester',
        participants: {
          meetingId: 'default',
          participants: [participant('p1', 'tester')],
          hostId: 'p1',
          locked: false,
          raisedHands: [],
        },
        heartbeatIntervalMs: 40,
        idleTimeoutMs: 10_000,
      }),
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

describe('Session against a scripted server', () => {
  let server: ScriptedServer;
  let port: number;

  beforeEach(async () => {
    server = new ScriptedServer(await identity);
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
    await waitFor(() => server.count(MessageType.Heartbeat) >= 3, { what: 'three heartbeats' });
    const register = server.frames.find((frame) => frame.type === MessageType.Register)!;
    expect(register.sequence).toBe(1);
    session.close();
  });

  it('keeps what the server sends right behind JOINED, in the same packet', async () => {
    server.onRegister = (socket) =>
      socket.write(
        Buffer.concat([
          server.joined(),
          encodeFrame(
            MessageType.UserList,
            2,
            encodePayload(MessageType.UserList, {
              meetingId: 'default',
              participants: [participant('p1', 'tester'), participant('p2', 'second')],
            }),
          ),
        ]),
      );
    const session = new Session({ host: '127.0.0.1', port, username: 'tester' });
    const lists: string[][] = [];
    session.on('participants', (list) => lists.push(list.map((p) => p.username)));
    try {
      await session.connect();
      expect(session.participants.map((p) => p.username)).toEqual(['tester', 'second']);
      expect(lists).toEqual([['tester', 'second']]);
    } finally {
      session.close();
    }
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
      username: 'kicked',
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
    expect(await closed).toEqual({ reason: 'kicked', byServer: true, code: ErrorCode.Unspecified });
    // A session with the same reconnect delay, dropped without a DISCONNECT, comes back three
    // times meanwhile: had the kicked one tried again, it would have by then.
    const witness = new Session({
      host: '127.0.0.1',
      port,
      username: 'witness',
      reconnectMaxDelayMs: 20,
    });
    await witness.connect();
    try {
      for (let drop = 0; drop < 3; drop++) {
        const back = new Promise((resolve) => witness.once('rejoined', resolve));
        server.sockets.at(-1)!.destroy();
        await back;
      }
    } finally {
      witness.close();
    }
    const registersFrom = (username: string): number =>
      server.frames.filter(
        (frame) =>
          frame.type === MessageType.Register && frame.payload.includes(Buffer.from(username)),
      ).length;
    expect(registersFrom('witness')).toBe(4);
    expect(registersFrom('kicked')).toBe(1);
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
    await waitFor(() => server.joins === 2, { what: 'a second join' });
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
