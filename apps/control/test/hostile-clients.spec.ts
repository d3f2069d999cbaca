import { performance } from 'node:perf_hooks';
import { RedisKeys } from '@sapora/coordination';
import { encodeFrame, ErrorCode, MessageType } from '@sapora/protocol';
import { InProcessService, RawFramedClient, startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { ControlApp, startControl } from './support/control-harness';

/** What people on a shared LAN try: names that impersonate, passcode guessing, idle sockets. */
describe('control service: names, passcodes and idle connections', () => {
  let redisServer: TestRedis;
  let redis: Redis;
  let control: InProcessService<ControlApp>;
  const open: RawFramedClient[] = [];

  beforeAll(async () => {
    redisServer = await startRedis();
    redis = new Redis(redisServer.url);
    control = await startControl(redisServer.url, {
      IDLE_TIMEOUT_MS: '60000',
      HEARTBEAT_INTERVAL_MS: '1000',
      UNJOINED_IDLE_TIMEOUT_MS: '400',
      PASSCODE_GUESSES_PER_CONNECTION: '3',
      PASSCODE_GUESSES_PER_ADDRESS: '6',
      PASSCODE_GUESS_DELAY_MS: '40',
    });
  });

  afterAll(async () => {
    open.forEach((client) => client.close());
    await control.stop();
    redis.disconnect();
    await redisServer.stop();
  });

  async function client(): Promise<RawFramedClient> {
    const connected = await RawFramedClient.connect(control.port);
    open.push(connected);
    return connected;
  }

  async function refusal(username: string, meetingId: string, passcode = '') {
    const c = await client();
    const sequence = c.send(MessageType.Register, { username, meetingId, passcode });
    const error = await c.next(MessageType.Error);
    expect(error.requestSequence).toBe(sequence);
    return error;
  }

  it('refuses names that look like one already in the room', async () => {
    const alice = await client();
    await alice.join('alice', 'lookalikes');
    for (const impostor of ['ALICE', 'ａｌｉｃｅ', 'аӏісе']) {
      const error = await refusal(impostor, 'lookalikes');
      expect(error.code).toBe(ErrorCode.UsernameTaken);
    }
    // Mixed scripts, invisible and direction-changing characters never get as far as a key.
    for (const sneaky of ['аlice', 'ali\u200bce', '\u202eecila']) {
      const error = await refusal(sneaky, 'lookalikes');
      expect(error.code).toBe(ErrorCode.InvalidRequest);
    }
    const taken = await client();
    const joined = await taken.join('Bob', 'lookalikes');
    // The list shows the name as typed (NFKC): everyone sees who they are talking to.
    expect(joined.participants.participants.map((p) => p.username)).toEqual(['alice', 'Bob']);
  });

  it('frees a non-ASCII name when its owner leaves', async () => {
    const emile = await client();
    await emile.join('E\u0301mile', 'accents');
    expect((await refusal('ÉMILE', 'accents')).code).toBe(ErrorCode.UsernameTaken);
    emile.send(MessageType.Disconnect, { reason: 'bye' });
    await emile.closed;
    const again = await client();
    expect((await again.join('Émile', 'accents')).username).toBe('Émile');
    expect(await redis.hkeys(RedisKeys.roomNames('accents'))).toEqual(['émile']);
  });

  it('reserves "all" (it addresses everyone) and names the rule an empty name breaks', async () => {
    expect(await refusal('All', 'reserved')).toMatchObject({
      code: ErrorCode.InvalidRequest,
      message: 'username "All" is reserved: "all" means everyone',
    });
    expect(await refusal('', 'reserved')).toMatchObject({
      code: ErrorCode.InvalidRequest,
      message: 'username is empty',
    });
  });

  it('refuses chat text that is not UTF-8 instead of altering it', async () => {
    const writer = await client();
    await writer.join('writer', 'utf8');
    // ChatSend { to: "all", text: bytes c3 28 }.
    const payload = Buffer.from([0x0a, 0x03, 0x61, 0x6c, 0x6c, 0x12, 0x02, 0xc3, 0x28]);
    writer.sendBytes(encodeFrame(MessageType.ChatSend, 5, payload));
    expect(await writer.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.MalformedFrame,
      requestSequence: 5,
      fatal: true,
    });
    await writer.closed;
    expect(await redis.llen(RedisKeys.roomChat('utf8'))).toBe(0);
  });

  it('slows down and then stops a passcode guesser, per connection and per address', async () => {
    const host = await client();
    await host.join('host', 'vault', 'correct horse');
    const answered: number[] = [];
    // One connection: three wrong guesses, each answered later than the one before, then closed.
    const guesser = await client();
    for (let i = 0; i < 50 && !guesser.socket.destroyed; i++) {
      const started = performance.now();
      guesser.send(MessageType.Register, {
        username: `g${i}`,
        meetingId: 'vault',
        passcode: `${i}`,
      });
      const error = await guesser.next(MessageType.Error, 10_000).catch(() => null);
      if (error === null) break;
      expect(error.code).toBe(ErrorCode.WrongPasscode);
      answered.push(performance.now() - started);
      if (error.fatal) break;
    }
    await guesser.closed;
    expect(answered).toHaveLength(3);
    // The delay doubles: 40, 80, 160 ms at least.
    answered.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(40 * 2 ** i - 5));
    // New connections from the same address keep counting: three more, then the room says wait.
    for (let i = 0; i < 3; i++)
      expect((await refusal('again', 'vault', `x${i}`)).code).toBe(ErrorCode.WrongPasscode);
    const blocked = await refusal('again', 'vault', 'correct horse');
    expect(blocked.code).toBe(ErrorCode.RateLimited);
    expect(blocked.message).toMatch(
      /too many wrong passcodes for meeting "vault" from 127\.0\.0\.1; try again in \d+ s/,
    );
    // Other rooms are not affected.
    expect((await (await client()).join('elsewhere', 'open-room')).username).toBe('elsewhere');
  });

  it('closes a connection that never joins and sends nothing, but keeps one that sends keepalives', async () => {
    const silent = await client();
    const keeper = await client();
    keeper.startHeartbeats(100);
    const error = await silent.next(MessageType.Error, 5_000);
    expect(error).toMatchObject({ code: ErrorCode.Timeout, fatal: true });
    await silent.closed;
    // Eight keepalives answered (twice the unjoined timeout), the connection is still open.
    const echoes = (): number =>
      keeper.received.filter((frame) => frame.type === MessageType.Heartbeat).length;
    await waitFor(() => echoes() >= 8, { timeoutMs: 10_000, what: 'eight keepalive echoes' });
    expect(keeper.socket.destroyed).toBe(false);
    keeper.stopHeartbeats();
    keeper.send(MessageType.MeetingsList);
    expect((await keeper.next(MessageType.Meetings)).meetings).toEqual([]);
    expect(
      keeper.received.filter((frame) => frame.type === MessageType.Heartbeat).length,
    ).toBeGreaterThan(3);
  });
});
