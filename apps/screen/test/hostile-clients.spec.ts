import { randomBytes } from 'node:crypto';
import { ScreenFrame, ScreenShareClient, Session } from '@sapora/client';
import {
  CLIENT_TO_SCREEN_LIMITS,
  encodeFrame,
  ErrorCode,
  MessageType,
  SCREEN_TO_CLIENT_LIMITS,
  ScreenRole,
} from '@sapora/protocol';
import { describeBadFrames, RawFramedClient, ServiceStack, waitFor } from '@sapora/testing';

/**
 * The screen service run as its own process, as in production: a frame that killed it would
 * leave every later test without a service to talk to.
 */
describe('screen service: hostile and idle clients', () => {
  const stack = new ServiceStack();
  const sessions: Session[] = [];
  const raw: RawFramedClient[] = [];

  beforeAll(async () => {
    await stack.start(['control', 'screen'], {
      INCOMPLETE_FRAME_TIMEOUT_MS: '300',
      AUTH_TIMEOUT_MS: '500',
    });
  }, 30_000);

  afterAll(async () => {
    raw.forEach((client) => client.close());
    await Promise.all(sessions.map((session) => session.leave()));
    await stack.stop();
  });

  async function enter(username: string, meetingId: string) {
    const session = new Session({
      host: '127.0.0.1',
      port: stack.ports.get('control')!,
      username,
      meetingId,
    });
    await session.connect();
    sessions.push(session);
    const screen = new ScreenShareClient({
      session,
      host: '127.0.0.1',
      port: stack.ports.get('screen')!,
    });
    return { session, screen };
  }

  async function rawClient(): Promise<RawFramedClient> {
    const client = await RawFramedClient.connect(
      stack.ports.get('screen')!,
      SCREEN_TO_CLIENT_LIMITS,
    );
    raw.push(client);
    return client;
  }

  let served = 0;
  /** A good client after every attack: a presenter's frame reaches a viewer byte for byte. */
  async function sharesAFrame(): Promise<void> {
    const room = `good-${++served}`;
    const presenter = await enter('presenter', room);
    const viewer = await enter('viewer', room);
    const frames: ScreenFrame[] = [];
    viewer.screen.on('frame', (frame) => frames.push(frame));
    await viewer.screen.view();
    await presenter.screen.present();
    const jpeg = randomBytes(5_000);
    presenter.screen.push(jpeg);
    await waitFor(() => frames.some((frame) => frame.jpeg.equals(jpeg)), {
      what: 'the frame at the viewer',
    });
    await presenter.screen.stop();
    await viewer.screen.stop();
    await presenter.session.leave();
    await viewer.session.leave();
  }

  describeBadFrames('screen', {
    port: () => stack.ports.get('screen')!,
    answers: SCREEN_TO_CLIENT_LIMITS,
    accepts: [...CLIENT_TO_SCREEN_LIMITS.keys()],
    probe: {
      type: MessageType.ScreenOpen,
      payload: { sessionToken: Buffer.alloc(16), role: ScreenRole.Viewer },
      answer: MessageType.Error,
    },
    servesGoodClient: sharesAFrame,
  });

  it('survives the 11-byte SCREEN_OPEN that used to end the process', async () => {
    const client = await rawClient();
    client.sendBytes(encodeFrame(MessageType.ScreenOpen, 1, Buffer.from([0xff])));
    expect(await client.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.MalformedFrame,
      fatal: true,
    });
    await client.closed;
    await sharesAFrame();
  });

  it('closes a connection refused as a second presenter once it holds on without opening', async () => {
    const first = await enter('first', 'busy');
    const second = await enter('second', 'busy');
    await first.screen.present();
    const client = await rawClient();
    client.send(MessageType.ScreenOpen, {
      sessionToken: second.session.sessionToken!,
      role: ScreenRole.Presenter,
    });
    expect(await client.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.ScreenBusy,
      fatal: false,
      message: 'first is presenting; wait until they stop',
    });
    expect(await client.next(MessageType.Error, 5_000)).toMatchObject({
      code: ErrorCode.Timeout,
      fatal: true,
    });
    await client.closed;
    await first.screen.stop();
  });

  it('closes a connection that stops its share and then holds on', async () => {
    const { session } = await enter('stopper', 'stop-room');
    const client = await rawClient();
    client.send(MessageType.ScreenOpen, {
      sessionToken: session.sessionToken!,
      role: ScreenRole.Viewer,
    });
    expect((await client.next(MessageType.ScreenState)).presenting).toBe(false);
    client.send(MessageType.ScreenStop);
    expect(await client.next(MessageType.Error, 5_000)).toMatchObject({
      code: ErrorCode.Timeout,
      fatal: true,
    });
    await client.closed;
  });
});
