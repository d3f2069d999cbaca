import {
  CLIENT_TO_CONTROL_LIMITS,
  CONTROL_TO_CLIENT_LIMITS,
  encodeFrame,
  ErrorCode,
  HEADER_LENGTH,
  MessageType,
} from '@sapora/protocol';
import {
  describeBadFrames,
  InProcessService,
  RawFramedClient,
  startRedis,
  TestRedis,
} from '@sapora/testing';
import { ControlApp, startControl } from './support/control-harness';

describe('control service: bad frames', () => {
  let redis: TestRedis;
  let control: InProcessService<ControlApp>;
  let bystander: RawFramedClient;

  beforeAll(async () => {
    redis = await startRedis();
    control = await startControl(redis.url, { IDLE_TIMEOUT_MS: '60000' });
    bystander = await RawFramedClient.connect(control.port);
    await bystander.join('bystander', 'lab');
  });

  afterAll(async () => {
    bystander.close();
    await control.stop();
    await redis.stop();
  });

  let goodClients = 0;

  /** After each bad client is thrown out, a newcomer joins and chats with the bystander. */
  async function bystanderStillChats(): Promise<void> {
    const newcomer = await RawFramedClient.connect(control.port);
    await newcomer.join(`newcomer${++goodClients}`, 'lab');
    const sequence = newcomer.send(MessageType.ChatSend, { to: 'bystander', text: 'still here' });
    expect((await newcomer.next(MessageType.ChatDelivery)).requestSequence).toBe(sequence);
    expect((await bystander.next(MessageType.ChatMessage)).text).toBe('still here');
    newcomer.send(MessageType.Disconnect, { reason: 'done' });
    await newcomer.closed;
  }

  afterEach(bystanderStillChats);

  describeBadFrames('control', {
    port: () => control.port,
    answers: CONTROL_TO_CLIENT_LIMITS,
    accepts: [...CLIENT_TO_CONTROL_LIMITS.keys()],
    probe: { type: MessageType.MeetingsList, answer: MessageType.Meetings },
    servesGoodClient: bystanderStillChats,
  });

  async function expectFatal(client: RawFramedClient, code: ErrorCode): Promise<void> {
    const error = await client.next(MessageType.Error);
    expect(error).toMatchObject({ code, fatal: true });
    expect(error.message.length).toBeGreaterThan(0);
    await client.closed;
  }

  it('refuses a frame before REGISTER', async () => {
    const client = await RawFramedClient.connect(control.port);
    client.send(MessageType.ChatSend, { to: 'all', text: 'sneaky' });
    await expectFatal(client, ErrorCode.NotJoined);
    expect(
      bystander.received.filter((frame) => frame.type === MessageType.ChatMessage),
    ).toHaveLength(0);
  });

  it('refuses an unknown frame type', async () => {
    const client = await RawFramedClient.connect(control.port);
    await client.join('unknown-type', 'lab');
    client.sendBytes(encodeFrame(0x7e, 9, Buffer.from('??')));
    await expectFatal(client, ErrorCode.UnknownType);
  });

  it('refuses a frame the server only sends (USER_LIST from a client)', async () => {
    const client = await RawFramedClient.connect(control.port);
    client.sendBytes(encodeFrame(MessageType.UserList, 1, Buffer.alloc(0)));
    await expectFatal(client, ErrorCode.UnknownType);
  });

  it('refuses an oversize frame from its header alone', async () => {
    const client = await RawFramedClient.connect(control.port);
    await client.join('oversize', 'lab');
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt8(1, 0);
    header.writeUInt8(MessageType.ChatSend, 1);
    header.writeUInt32BE(50 * 1024 * 1024, 2);
    header.writeUInt32BE(2, 6);
    client.sendBytes(header);
    await expectFatal(client, ErrorCode.FrameTooLarge);
  });

  it('refuses a payload that is not valid protobuf', async () => {
    const client = await RawFramedClient.connect(control.port);
    await client.join('garbage', 'lab');
    client.sendBytes(encodeFrame(MessageType.ChatSend, 2, Buffer.from([0x12, 0x50, 0x61, 0x62])));
    await expectFatal(client, ErrorCode.MalformedFrame);
  });

  it('refuses another protocol version', async () => {
    const client = await RawFramedClient.connect(control.port);
    const frame = encodeFrame(MessageType.Heartbeat, 1);
    frame.writeUInt8(9, 0);
    client.sendBytes(frame);
    await expectFatal(client, ErrorCode.UnsupportedVersion);
  });

  it('gives up on a frame whose bytes stop arriving', async () => {
    const client = await RawFramedClient.connect(control.port);
    client.sendBytes(encodeFrame(MessageType.Register, 1, Buffer.alloc(100)).subarray(0, 20));
    await expectFatal(client, ErrorCode.Timeout);
  });

  it('answers an invalid join with a clear, non-fatal refusal', async () => {
    const client = await RawFramedClient.connect(control.port);
    const sequence = client.send(MessageType.Register, {
      username: 'bad\u0007name',
      meetingId: 'lab',
    });
    expect(await client.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.InvalidRequest,
      message: 'username must not contain control, invisible or direction-changing characters',
      requestSequence: sequence,
      fatal: false,
    });
    client.send(MessageType.Register, { username: 'x', meetingId: '../etc' });
    expect((await client.next(MessageType.Error)).message).toMatch(/meeting id may hold only/);
    const joined = await client.join('fine-now', 'lab');
    expect(joined.username).toBe('fine-now');
    client.close();
  });

  it('refuses chat over 4 KB and empty chat without closing', async () => {
    const client = await RawFramedClient.connect(control.port);
    await client.join('talker', 'lab');
    const long = client.send(MessageType.ChatSend, { to: 'all', text: 'é'.repeat(2049) });
    expect(await client.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.TextTooLong,
      requestSequence: long,
      fatal: false,
    });
    const empty = client.send(MessageType.ChatSend, { to: 'all', text: '' });
    expect(await client.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.InvalidRequest,
      requestSequence: empty,
    });
    client.send(MessageType.ChatSend, { to: 'all', text: 'ok' });
    expect((await client.next(MessageType.ChatMessage)).text).toBe('ok');
    await bystander.next(MessageType.ChatMessage);
    client.close();
  });

  it('rate-limits a flood of chat with a clear error', async () => {
    const client = await RawFramedClient.connect(control.port);
    await client.join('flooder', 'flood-room');
    for (let i = 0; i < 40; i++)
      client.send(MessageType.ChatSend, { to: 'all', text: `spam ${i}` });
    const error = await client.next(MessageType.Error);
    expect(error.code).toBe(ErrorCode.RateLimited);
    expect(error.message).toMatch(/too many messages; try again in \d+ ms/);
    expect(error.fatal).toBe(false);
    client.close();
  });
});
