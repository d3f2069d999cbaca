import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect, TLSSocket } from 'node:tls';
import {
  ErrorCode,
  Participant,
  SaporaError,
  ScreenFrame,
  ScreenShareClient,
  ScreenState,
  Session,
} from '@sapora/client';
import {
  encodeFrame,
  encodePayload,
  FrameDecoder,
  MessageType,
  SCREEN_TO_CLIENT_LIMITS,
  ScreenRole,
} from '@sapora/protocol';
import { createLogger } from '@sapora/service-kit';
import { ServiceStack, waitFor, waitForEvent } from '@sapora/testing';
import { screenService } from '../src/screen-service';

const MAX_FRAME = 512 * 1024;

/** A hand-made client of the screen service: TLS, as every client, with any key. */
async function rawClient(port: number): Promise<TLSSocket> {
  const socket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  return socket;
}

/**
 * One turn of the event loop: over TLS, bytes written reach the kernel only after the turn they
 * were written in, so a burst of pushes in one turn would look like a network falling behind.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** A JPEG-sized frame whose first bytes say which it is. */
function frame(n: number, size = 20_000): Buffer {
  const bytes = randomBytes(size);
  bytes.writeUInt32BE(n, 0);
  return bytes;
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

describe('screen service: one presenter, many viewers, over real TCP', () => {
  const stack = new ServiceStack();
  const sessions: Session[] = [];
  const clients: ScreenShareClient[] = [];

  beforeAll(async () => {
    await stack.start(['control', 'screen'], { SCREEN_MAX_FRAME_BYTES: String(MAX_FRAME) });
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.stop()));
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
    clients.push(screen);
    const frames: ScreenFrame[] = [];
    const states: ScreenState[] = [];
    screen.on('frame', (f) => frames.push(f));
    screen.on('state', (s) => states.push(s));
    return { session, screen, frames, states };
  }

  const presenting = (participants: Participant[]): string[] =>
    participants.filter((p) => p.presenting).map((p) => p.username);

  it('delivers every frame byte for byte and in order to two viewers, refuses a second presenter, and tells everyone when it stops', async () => {
    const ann = await enter('Ann', 'demo');
    const ben = await enter('Ben', 'demo');
    const cat = await enter('Cat', 'demo');
    const dan = await enter('Dan', 'demo');
    const lists: Participant[][] = [];
    ben.session.on('participants', (list) => lists.push(list));

    expect(await ben.screen.view()).toMatchObject({ presenting: false, presenter: '' });
    await cat.screen.view();
    const previews: Buffer[] = [];
    expect(await ann.screen.present({ onPreview: (jpeg) => previews.push(jpeg) })).toMatchObject({
      presenting: true,
      presenter: 'Ann',
      reason: 'started',
    });
    await waitFor(() => ben.states.some((s) => s.presenter === 'Ann'), { what: 'Ben told' });
    await waitFor(() => presenting(lists.at(-1) ?? []).join() === 'Ann', {
      what: 'the participant list to show Ann presenting',
    });

    const refused = (await dan.screen.present().catch((e: unknown) => e)) as SaporaError;
    expect(refused).toBeInstanceOf(SaporaError);
    expect(refused.code).toBe(ErrorCode.ScreenBusy);
    expect(refused.message).toContain('Ann is presenting');

    const sent = Array.from({ length: 30 }, (_, n) => frame(n, 20_000 + n * 3_000));
    for (const jpeg of sent) {
      expect(ann.screen.push(jpeg)).toBe(true);
      await nextTurn();
    }
    expect(previews).toEqual(sent);
    for (const viewer of [ben, cat]) {
      await waitFor(() => viewer.frames.length === sent.length, { what: 'all 30 frames' });
      expect(viewer.frames.map((f) => md5(f.jpeg))).toEqual(sent.map(md5));
      const sequences = viewer.frames.map((f) => f.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }

    // A late viewer gets the newest frame at once, before anything else is sent.
    const late = await dan.screen.view();
    expect(late).toMatchObject({ presenting: true, presenter: 'Ann' });
    await waitFor(() => dan.frames.length === 1, { what: 'the newest frame for Dan' });
    expect(dan.frames[0].jpeg.equals(sent[29])).toBe(true);

    await ann.screen.stop();
    for (const viewer of [ben, cat, dan])
      await waitFor(() => viewer.states.at(-1)?.reason === 'stopped', { what: 'the stop' });
    expect(ben.states.at(-1)).toMatchObject({ presenting: false, presenter: '' });
    await waitFor(() => presenting(lists.at(-1) ?? []).length === 0, {
      what: 'the list to show nobody presenting',
    });

    // Now Dan may present.
    await dan.screen.stop();
    await expect(dan.screen.present()).resolves.toMatchObject({ presenter: 'Dan' });
    await dan.screen.stop();
  }, 30_000);

  it('lets a client whose share was refused view at once, and keeps its view when the refused connection closes', async () => {
    const pia = await enter('Pia', 'busy');
    const quin = await enter('Quin', 'busy');
    await pia.screen.present();
    await expect(quin.screen.present()).rejects.toMatchObject({ code: ErrorCode.ScreenBusy });
    let closed = 0;
    quin.screen.on('closed', () => closed++);
    await expect(quin.screen.view()).resolves.toMatchObject({ presenter: 'Pia' });
    pia.screen.push(frame(1));
    await waitFor(() => quin.frames.length === 1, { what: 'a frame at the viewer' });
    expect(closed).toBe(0);
    await pia.screen.stop();
    await quin.screen.stop();
  });

  it('refuses a frame over the size limit without ending the share, and opens only for live sessions', async () => {
    const eve = await enter('Eve', 'limits');
    const fin = await enter('Fin', 'limits');
    await fin.screen.view();
    await eve.screen.present();
    const errors: SaporaError[] = [];
    eve.screen.on('error', (error) => errors.push(error));
    eve.screen.push(frame(1, MAX_FRAME + 1));
    await nextTurn();
    eve.screen.push(frame(2));
    await waitFor(() => fin.frames.length === 1 && errors.length === 1, {
      what: 'one frame, one error',
    });
    expect(fin.frames[0].jpeg.readUInt32BE(0)).toBe(2);
    expect(errors[0].code).toBe(ErrorCode.FrameTooLarge);

    const stranger = await rawClient(stack.ports.get('screen')!);
    const answer = new Promise<Buffer>((resolve) => stranger.once('data', resolve));
    stranger.write(
      encodeFrame(
        MessageType.ScreenOpen,
        1,
        encodePayload(MessageType.ScreenOpen, {
          sessionToken: randomBytes(16),
          role: ScreenRole.Viewer,
        }),
      ),
    );
    const bytes = await answer;
    expect(bytes[1]).toBe(MessageType.Error);
    expect(bytes.subarray(10).toString('latin1')).toContain('no live session');
    stranger.destroy();
    await eve.screen.stop();
  });

  it('ends the share when the presenter drops abruptly or leaves the meeting', async () => {
    const gil = await enter('Gil', 'drops');
    const hal = await enter('Hal', 'drops');
    const ivy = await enter('Ivy', 'drops');
    await hal.screen.view();

    // An abrupt drop: the socket dies without SCREEN_STOP.
    const raw = await rawClient(stack.ports.get('screen')!);
    raw.write(
      encodeFrame(
        MessageType.ScreenOpen,
        1,
        encodePayload(MessageType.ScreenOpen, {
          sessionToken: gil.session.sessionToken,
          role: ScreenRole.Presenter,
        }),
      ),
    );
    await waitFor(() => hal.states.at(-1)?.presenter === 'Gil', { what: 'Gil presenting' });
    raw.destroy();
    await waitFor(() => hal.states.at(-1)?.reason === 'disconnected', {
      what: 'viewers told of the drop',
    });

    // A new presenter can start at once, and leaving the meeting ends their share too.
    await ivy.screen.present();
    await waitFor(() => hal.states.at(-1)?.presenter === 'Ivy', { what: 'Ivy presenting' });
    await ivy.session.leave();
    await waitFor(() => hal.states.at(-1)?.reason === 'left', { what: 'viewers told Ivy left' });
    expect(hal.states.at(-1)).toMatchObject({ presenting: false });
  });

  it('keeps the presenter and a healthy viewer at full rate while another viewer stops reading, in bounded memory', async () => {
    const jo = await enter('Jo', 'stall');
    const kay = await enter('Kay', 'stall');
    const lou = await enter('Lou', 'stall');
    await kay.screen.view();

    // Lou opens as a viewer and, once let in, never reads another byte.
    const stalled = await rawClient(stack.ports.get('screen')!);
    const decoder = new FrameDecoder(SCREEN_TO_CLIENT_LIMITS);
    const states: unknown[] = [];
    const seen: number[] = [];
    stalled.on('data', (bytes: Buffer) => {
      for (const f of decoder.push(bytes))
        if (f.type === MessageType.ScreenFrame) seen.push(f.payload.readUInt32BE(0));
        else if (f.type === MessageType.ScreenState) states.push(f.payload);
    });
    stalled.write(
      encodeFrame(
        MessageType.ScreenOpen,
        1,
        encodePayload(MessageType.ScreenOpen, {
          sessionToken: lou.session.sessionToken,
          role: ScreenRole.Viewer,
        }),
      ),
    );
    await waitFor(() => states.length > 0, { what: 'Lou let in as a viewer' });
    stalled.pause();

    await jo.screen.present();
    const pid = stack.pids.get('screen')!;
    const frames = Array.from({ length: 8 }, (_, n) => frame(n, 250_000));
    const total = 400;
    let rssAfterWarmup = 0;
    for (let n = 0; n < total; n++) {
      const jpeg = frames[n % frames.length];
      jpeg.writeUInt32BE(n, 0);
      expect(jo.screen.push(Buffer.from(jpeg))).toBe(true);
      // Each frame once the healthy viewer has the one before: however slowly the machine
      // goes, the presenter is never behind (nothing skipped), and Lou never holds Kay up.
      await waitForEvent(kay.screen, 'frame', () => kay.frames.length > n, {
        what: `frame ${n} at the healthy viewer`,
      });
      if (n === 50) rssAfterWarmup = rssBytes(pid);
    }
    expect(kay.frames.map((f) => f.jpeg.readUInt32BE(0))).toEqual(
      Array.from({ length: total }, (_, n) => n),
    );
    expect(jo.screen.stats).toMatchObject({ sent: total, skipped: 0 });
    // 350 frames of 250 KB (87 MB) went by after the first reading; a queue per stalled viewer
    // would have grown by about that much.
    const growth = rssBytes(pid) - rssAfterWarmup;
    expect(growth).toBeLessThan(40 * 1024 * 1024);

    // Lou was skipped, not cut off: reading again, Lou's last frame is the newest one.
    stalled.resume();
    await waitFor(() => seen.at(-1) === total - 1, { what: 'the newest frame at the slow viewer' });
    expect(seen.length).toBeLessThan(total / 2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    stalled.destroy();
    await jo.screen.stop();
  }, 60_000);

  it('ends a share when the host stops it, telling the presenter and the viewers why', async () => {
    const host = await enter('Hana', 'hosted');
    const sharer = await enter('Ivo', 'hosted');
    const lists: Participant[][] = [];
    host.session.on('participants', (list) => lists.push(list));
    await host.screen.view();
    await sharer.screen.present();
    await waitFor(() => presenting(lists.at(-1) ?? []).join() === 'Ivo', {
      what: 'Ivo shown presenting',
    });
    // Not the host: refused, and the share goes on.
    const refused = (await sharer.session
      .stopShare(sharer.session.participantId!)
      .catch((e: unknown) => e)) as SaporaError;
    expect(refused.code).toBe(ErrorCode.NotAllowed);
    const closed = new Promise<void>((resolve) => sharer.screen.once('closed', () => resolve()));
    await host.session.stopShare(sharer.session.participantId!);
    await waitFor(() => host.states.at(-1)?.reason === 'stopped_by_host', {
      what: 'the viewer told',
    });
    expect(sharer.states.at(-1)).toMatchObject({ presenting: false, reason: 'stopped_by_host' });
    await closed;
    await waitFor(() => presenting(lists.at(-1) ?? []).length === 0, {
      what: 'the list to show nobody presenting',
    });
  });

  it('clears the presenter flag a crashed screen service left behind when it starts again', async () => {
    const max = await enter('Max', 'crash');
    const lists: Participant[][] = [];
    max.session.on('participants', (list) => lists.push(list));
    await max.screen.present();
    await waitFor(() => presenting(lists.at(-1) ?? []).join() === 'Max', {
      what: 'Max shown presenting',
    });
    const dropped = new Promise<void>((resolve) => max.screen.once('closed', () => resolve()));
    // Last in this file: the stack's screen service does not come back.
    process.kill(stack.pids.get('screen')!, 'SIGKILL');
    await dropped;
    // The flag outlived the process: nobody was left to clear it.
    expect(presenting(max.session.participants)).toEqual(['Max']);
    const again = await screenService.start(
      { REDIS_URL: stack.redisUrl, SCREEN_HOST: '127.0.0.1', SCREEN_PORT: '0' },
      { logger: createLogger('screen', { level: 'silent', nodeEnv: 'test' }) },
    );
    try {
      await waitFor(() => presenting(lists.at(-1) ?? []).length === 0, {
        what: 'the stale flag cleared',
      });
    } finally {
      await again.app.close();
    }
  });
});
