import {
  ChatMessage,
  ErrorCode,
  HostActionKind,
  MeetingsClient,
  SaporaError,
  Session,
  SessionClosed,
  SessionOptions,
} from '@sapora/client';
import { EventPatterns, MembershipEvent } from '@sapora/coordination';
import { InProcessService, startRedis, TestRedis, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { ControlApp, startControl } from './support/control-harness';

/**
 * Running a meeting on two control instances sharing one Redis: people in one room are spread
 * over both, so every host action is checked where it arrives and seen where it lands.
 */
describe('control service: host controls, raised hands, recording notice', () => {
  let redis: TestRedis;
  let subscriber: Redis;
  const controls: InProcessService<ControlApp>[] = [];
  const sessions: Session[] = [];
  const chats = new Map<Session, ChatMessage[]>();
  const closings = new Map<Session, SessionClosed>();
  const heard: MembershipEvent[] = [];

  async function join(
    username: string,
    meetingId: string,
    instance: 0 | 1,
    extra: Partial<SessionOptions> = {},
  ): Promise<Session> {
    const session = new Session({
      host: '127.0.0.1',
      port: controls[instance].port,
      username,
      meetingId,
      reconnectMaxDelayMs: 200,
      ...extra,
    });
    chats.set(session, []);
    session.on('chat', (message) => chats.get(session)?.push(message));
    session.on('closed', (closed) => closings.set(session, closed));
    await session.connect();
    sessions.push(session);
    return session;
  }

  const refusedWith = async (promise: Promise<unknown>): Promise<SaporaError> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof SaporaError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  const systemLines = (session: Session): string[] =>
    (chats.get(session) ?? []).filter((m) => m.system).map((m) => m.text);

  const person = (session: Session, of: Session) =>
    session.participants.find((p) => p.participantId === of.participantId);

  beforeAll(async () => {
    redis = await startRedis();
    controls.push(await startControl(redis.url), await startControl(redis.url));
    subscriber = new Redis(redis.url);
    await subscriber.subscribe(EventPatterns.membership);
    subscriber.on('message', (_channel, message) => {
      heard.push((JSON.parse(message) as { data: MembershipEvent }).data);
    });
  });

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.leave()));
    await Promise.all(controls.map((control) => control.stop()));
    subscriber.disconnect();
    await redis.stop();
  });

  it('makes the first participant host, hands the role over, and passes it on when the host leaves', async () => {
    const ann = await join('Ann', 'handover', 0);
    const ben = await join('Ben', 'handover', 1);
    const cat = await join('Cat', 'handover', 0);
    await waitFor(() => cat.participants.length === 3, { what: "Cat's list of three" });
    expect(ann.isHost).toBe(true);
    expect(person(cat, ann)?.host).toBe(true);
    expect(cat.room.hostId).toBe(ann.participantId);

    await ann.makeHost(cat.participantId!);
    await waitFor(() => ben.room.hostId === cat.participantId, { what: 'Cat as host on B' });
    expect(person(ben, cat)?.host).toBe(true);
    await waitFor(() => systemLines(ben).includes('Ann made Cat the host'), {
      what: 'the hand-over line',
    });

    // Cat leaves: Ann has been there longest.
    await cat.leave();
    await waitFor(() => ben.room.hostId === ann.participantId, { what: 'Ann host again' });
    await ann.leave();
    await waitFor(() => ben.isHost, { what: 'Ben host, alone' });
  });

  it('refuses every host action from someone who is not host, naming the host', async () => {
    const hal = await join('Hal', 'refusals', 0);
    const ivy = await join('Ivy', 'refusals', 1);
    const jon = await join('Jon', 'refusals', 0);
    await waitFor(() => ivy.participants.length === 3, { what: "Ivy's list" });
    const target = jon.participantId!;
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['mute', () => ivy.muteParticipant(target)],
      ['remove', () => ivy.removeParticipant(target)],
      ['lock', () => ivy.lockRoom()],
      ['unlock', () => ivy.unlockRoom()],
      ['stop share', () => ivy.stopShare(target)],
      ['end meeting', () => ivy.endMeeting()],
      ['make host', () => ivy.makeHost(ivy.participantId!)],
      ['lower hand', () => ivy.lowerHand(target)],
      ['allow rejoin', () => ivy.allowRejoin('Jon')],
    ];
    for (const [what, attempt] of attempts) {
      const error = await refusedWith(attempt());
      expect([what, error.code]).toEqual([what, ErrorCode.NotAllowed]);
      expect(error.message).toContain('only the host (Hal)');
    }
    // Nothing changed, and nobody was told of anything.
    expect(jon.connected).toBe(true);
    expect(hal.room.locked).toBe(false);
    expect(person(hal, jon)?.muted).toBe(false);
    expect(systemLines(hal)).toEqual([]);
    // A host action about nobody in the room is refused too, for the host.
    expect((await refusedWith(hal.muteParticipant('nobody'))).code).toBe(
      ErrorCode.NoSuchParticipant,
    );
  });

  it('mutes a participant, tells them who did, and lets only them unmute', async () => {
    const kim = await join('Kim', 'mute', 0);
    const leo = await join('Leo', 'mute', 1);
    await kim.muteParticipant(leo.participantId!);
    await waitFor(() => person(leo, leo)?.muted === true, { what: 'Leo muted in his list' });
    expect(person(leo, leo)?.mutedBy).toBe('Kim');
    const muted = await waitFor(
      () => heard.find((e) => e.kind === 'updated' && e.username === 'Leo' && e.muted),
      { what: 'the muted event the media services hear' },
    );
    expect(muted.meetingId).toBe('mute');
    await waitFor(() => systemLines(leo).includes('Kim muted Leo'), { what: 'the mute line' });
    // The room's copy reaches each member on its own connection, Kim's maybe a moment later.
    await waitFor(() => systemLines(kim).includes('Kim muted Leo'), {
      what: "the mute line at Kim's",
    });

    leo.setMuted(false);
    await waitFor(() => person(kim, leo)?.muted === false, { what: 'Leo unmuted' });
    expect(person(kim, leo)?.mutedBy).toBe('');
    // The line stays in the history for anyone who joins later.
    const max = await join('Max', 'mute', 1);
    expect(max.history.filter((m) => m.system).map((m) => m.text)).toEqual(['Kim muted Leo']);
  });

  it('removes a participant, refuses their rejoin, and lets them back when the host allows', async () => {
    const nia = await join('Nia', 'remove', 0);
    const oli = await join('Oli', 'remove', 1);
    await nia.removeParticipant(oli.participantId!);
    const closed = await waitFor(() => closings.get(oli), { what: 'Oli told' });
    expect(closed).toMatchObject({ byServer: true, code: ErrorCode.Removed });
    expect(closed.reason).toContain('Nia removed you');
    await waitFor(() => nia.participants.length === 1, { what: 'Oli gone from the list' });
    await waitFor(() => systemLines(nia).includes('Nia removed Oli from the meeting'), {
      what: 'the removal line',
    });

    for (const instance of [0, 1] as const) {
      const error = await refusedWith(join('OLI', 'remove', instance));
      expect(error.code).toBe(ErrorCode.Removed);
    }
    await nia.allowRejoin('oli');
    const back = await join('Oli', 'remove', 1);
    expect(back.participants.map((p) => p.username)).toEqual(['Nia', 'Oli']);
    expect(back.history.filter((m) => m.system).map((m) => m.text)).toEqual([
      'Nia removed Oli from the meeting',
      'Nia let oli rejoin',
    ]);
  });

  it('locks the room against new joins but not against a resume, and unlocks it', async () => {
    const pam = await join('Pam', 'lock', 0);
    const quin = await join('Quin', 'lock', 1);
    await pam.lockRoom();
    await waitFor(() => quin.room.locked, { what: 'the lock in the list' });
    expect((await refusedWith(join('Rex', 'lock', 1))).code).toBe(ErrorCode.RoomLocked);

    // Instance B restarts: Quin comes back with his token, which is not a new join.
    const resumed = new Promise((resolve) => quin.once('resumed', resolve));
    await controls[1].restart();
    await resumed;
    expect(quin.connected).toBe(true);

    await pam.unlockRoom();
    const rex = await join('Rex', 'lock', 1);
    expect(rex.room.locked).toBe(false);
    await waitFor(() => systemLines(pam).length >= 2, { what: "the unlock line at Pam's" });
    expect(systemLines(pam)).toEqual([
      'Pam locked the room: nobody new can join',
      'Pam unlocked the room',
    ]);
  });

  it('keeps raised hands in raise order; the host lowers anyone, others only their own', async () => {
    const sam = await join('Sam', 'hands', 0);
    const tia = await join('Tia', 'hands', 1);
    const uma = await join('Uma', 'hands', 0);
    const vic = await join('Vic', 'hands', 1);
    for (const session of [uma, sam, vic, tia]) {
      const before = sam.room.raisedHands.length;
      session.raiseHand();
      await waitFor(() => sam.room.raisedHands.length === before + 1, { what: 'the hand up' });
    }
    const order = [uma, sam, vic, tia].map((s) => s.participantId);
    await waitFor(() => vic.room.raisedHands.join() === order.join(), { what: 'order on B' });
    expect(vic.participants.filter((p) => p.handRaised)).toHaveLength(4);

    expect((await refusedWith(tia.lowerHand(uma.participantId!))).code).toBe(ErrorCode.NotAllowed);
    await tia.lowerHand(tia.participantId!);
    await sam.lowerHand(uma.participantId!);
    vic.raiseHand(false);
    await waitFor(() => uma.room.raisedHands.join() === sam.participantId, {
      what: "only Sam's hand left",
    });
    await waitFor(() => systemLines(uma).length >= 1, { what: "the lowering line at Uma's" });
    expect(systemLines(uma)).toEqual(["Sam lowered Uma's hand"]);
  });

  it("asks the screen service to end someone's share, and ends the meeting for everyone", async () => {
    const wes = await join('Wes', 'ending', 0);
    const xia = await join('Xia', 'ending', 1);
    const yan = await join('Yan', 'ending', 0);
    await wes.stopShare(xia.participantId!);
    const event = await waitFor(
      () => heard.find((e) => e.kind === 'stop_share' && e.meetingId === 'ending'),
      { what: 'the stop-share event' },
    );
    expect(event.participantId).toBe(xia.participantId);

    const done = await wes.endMeeting();
    expect(done.action).toBe(HostActionKind.EndMeeting);
    for (const session of [wes, xia, yan]) {
      const closed = await waitFor(() => closings.get(session), {
        what: `${session.username} told`,
      });
      expect(closed.code).toBe(ErrorCode.MeetingEnded);
      expect(closed.reason).toBe('Wes ended the meeting');
    }
    expect(systemLines(xia)).toContain('Wes ended the meeting for everyone');
    // The room is gone: the next to come starts it afresh, as its host.
    const zed = await join('Zed', 'ending', 1);
    expect(zed.isHost).toBe(true);
  });

  it("makes a scheduled meeting's creator host on joining, and announces a recorder", async () => {
    const early = await join('Early', 'planned', 0);
    const meetings = await MeetingsClient.connect({ host: '127.0.0.1', port: controls[1].port });
    const created = await meetings.create({
      meetingId: 'planned',
      title: 'Planning',
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      durationMinutes: 30,
      username: 'Olga',
    });
    meetings.close();
    await early.lockRoom();
    const olga = await join('Olga', 'planned', 1, { ownerToken: created.ownerToken });
    expect(olga.isHost).toBe(true);
    await waitFor(() => early.room.hostId === olga.participantId, { what: 'Olga host for Early' });

    await olga.unlockRoom();
    const rec = await join('rec', 'planned', 0, { recording: true });
    await waitFor(() => person(early, rec)?.recording === true, { what: 'the recorder marked' });
    await waitFor(() => systemLines(early).includes('rec is recording this meeting'), {
      what: 'the recording line',
    });
  });
});
