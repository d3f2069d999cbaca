import {
  ChatMessage,
  DeliveryStatus,
  ErrorCode,
  SaporaError,
  Session,
  SessionOptions,
} from '@sapora/client';
import { InProcessService, startRedis, TestRedis, waitFor } from '@sapora/testing';
import { ControlApp, startControl } from './support/control-harness';

/** Drives the control service with the real client library, three people in two rooms. */
describe('control service with @sapora/client: rooms and chat', () => {
  let redis: TestRedis;
  let control: InProcessService<ControlApp>;
  const sessions: Session[] = [];
  const inbox = new Map<Session, ChatMessage[]>();

  async function join(
    username: string,
    meetingId: string,
    extra: Partial<SessionOptions> = {},
  ): Promise<Session> {
    const session = new Session({
      host: '127.0.0.1',
      port: control.port,
      username,
      meetingId,
      ...extra,
    });
    inbox.set(session, []);
    session.on('chat', (message) => inbox.get(session)!.push(message));
    await session.connect();
    sessions.push(session);
    return session;
  }

  const texts = (session: Session): string[] => inbox.get(session)!.map((message) => message.text);

  beforeAll(async () => {
    redis = await startRedis();
    control = await startControl(redis.url);
  });

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.leave()));
    await control.stop();
    await redis.stop();
  });

  it('keeps rooms apart, broadcasts, sends privately by any letter case, confirms delivery, and replays history', async () => {
    const alice = await join('Alice', 'standup');
    const bob = await join('Bob', 'standup');
    const carol = await join('Carol', 'retro');

    await waitFor(() => alice.participants.length === 2, { what: "Alice's list to show Bob" });
    expect(alice.participants.map((p) => [p.username, p.ip])).toEqual([
      ['Alice', '127.0.0.1'],
      ['Bob', '127.0.0.1'],
    ]);
    expect(carol.participants.map((p) => p.username)).toEqual(['Carol']);

    const broadcast = await alice.sendChat('all', 'morning, team');
    expect(broadcast).toMatchObject({ status: DeliveryStatus.Delivered, recipients: 1 });
    await waitFor(() => texts(bob).includes('morning, team'), { what: 'Bob to get the broadcast' });
    const received = inbox.get(bob)!.find((message) => message.text === 'morning, team')!;
    expect(received).toMatchObject({
      from: 'Alice',
      to: '',
      private: false,
      messageId: broadcast.messageId,
    });
    expect(Math.abs(received.sentAtMs - Date.now())).toBeLessThan(5_000);

    const whisper = await bob.sendChat('aLiCe', 'psst, just you');
    expect(whisper).toMatchObject({ status: DeliveryStatus.Delivered, recipients: 1, to: 'Alice' });
    await waitFor(() => texts(alice).includes('psst, just you'), {
      what: 'Alice to get the private message',
    });
    expect(inbox.get(alice)!.find((m) => m.text === 'psst, just you')).toMatchObject({
      from: 'Bob',
      to: 'Alice',
      private: true,
    });

    const nobody = await alice.sendChat('Carol', 'are you there?');
    expect(nobody).toMatchObject({ status: DeliveryStatus.NoSuchUser, recipients: 0 });

    const alone = await carol.sendChat('all', 'retro notes');
    expect(alone.status).toBe(DeliveryStatus.NobodyElse);

    // A sender's own copy comes through the room's event (Redis), not with the delivery report.
    await waitFor(() => texts(carol).includes('retro notes'), { what: 'Carol’s own copy' });
    // Rooms are isolated: nothing of standup reached retro, nothing of retro reached standup.
    expect(texts(carol)).toEqual(['retro notes']);
    expect(texts(alice)).not.toContain('retro notes');
    expect(texts(bob)).not.toContain('retro notes');

    // A late joiner gets the public history, but not what was private to others.
    const dave = await join('Dave', 'standup');
    expect(dave.history.map((m) => m.text)).toEqual(['morning, team']);
    // History is per room.
    expect((await join('Eve', 'retro')).history.map((m) => m.text)).toEqual(['retro notes']);
  });

  it('refuses a username already in the room, whatever its letter case, with a clear error', async () => {
    await join('Frank', 'clash');
    const attempt = new Session({
      host: '127.0.0.1',
      port: control.port,
      username: 'FRANK',
      meetingId: 'clash',
    });
    const error = (await attempt.connect().catch((e: unknown) => e)) as SaporaError;
    expect(error).toBeInstanceOf(SaporaError);
    expect(error.code).toBe(ErrorCode.UsernameTaken);
    expect(error.message).toBe('username "FRANK" is already taken in meeting "clash"');
    // The same name in another room is fine.
    await join('frank', 'elsewhere');
  });

  it('holds the passcode the first participant set', async () => {
    await join('Host', 'locked', { passcode: 'open sesame' });
    const wrong = new Session({
      host: '127.0.0.1',
      port: control.port,
      username: 'Guest',
      meetingId: 'locked',
      passcode: 'nope',
    });
    await expect(wrong.connect()).rejects.toMatchObject({ code: ErrorCode.WrongPasscode });
    await join('Guest', 'locked', { passcode: 'open sesame' });
  });

  it('removes a participant who leaves at once, and the others see it', async () => {
    const gina = await join('Gina', 'leaving');
    const hank = await join('Hank', 'leaving');
    await waitFor(() => gina.participants.length === 2, { what: 'Gina to see Hank' });
    await hank.leave();
    await waitFor(() => gina.participants.map((p) => p.username).join() === 'Gina', {
      what: 'Hank gone from the list',
    });
    await expect(hank.sendChat('all', 'ghost')).rejects.toBeInstanceOf(SaporaError);
  });
});

describe('control service with @sapora/client: mute', () => {
  let redis: TestRedis;
  let control: InProcessService<ControlApp>;

  beforeAll(async () => {
    redis = await startRedis();
    control = await startControl(redis.url);
  });

  afterAll(async () => {
    await control.stop();
    await redis.stop();
  });

  it('shows who is muted in everyone’s list', async () => {
    const mia = new Session({
      host: '127.0.0.1',
      port: control.port,
      username: 'Mia',
      meetingId: 'mute',
    });
    const ned = new Session({
      host: '127.0.0.1',
      port: control.port,
      username: 'Ned',
      meetingId: 'mute',
    });
    await mia.connect();
    await ned.connect();
    mia.setMuted(true);
    await waitFor(() => ned.participants.find((p) => p.username === 'Mia')?.muted === true, {
      what: 'Ned to see Mia muted',
    });
    mia.setMuted(false);
    await waitFor(() => ned.participants.find((p) => p.username === 'Mia')?.muted === false, {
      what: 'Ned to see Mia unmuted',
    });
    await Promise.all([mia.leave(), ned.leave()]);
  });
});
