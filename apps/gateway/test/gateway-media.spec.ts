import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioClient, ReceivedVideoFrame, Session, toneSource, VideoClient } from '@sapora/client';
import { ToneSource, toneAmplitude } from '@sapora/media';
import { BinaryKind } from '@sapora/protocol';
import { GatewayTab, GatewayTabError, ServiceStack, waitFor } from '@sapora/testing';

const RATE = 44_100;
const FRAME = 512;
/** Whole frames in about a second. */
const SECOND_FRAMES = Math.floor(RATE / FRAME);
const AUDIBLE = 0.15;
const SILENT = 0.02;
const LONG = 20_000;

/** The last second of a list of frames, as one array. */
function lastSecond(frames: Int16Array[]): Int16Array {
  const tail = frames.slice(-SECOND_FRAMES);
  const out = new Int16Array(tail.length * FRAME);
  tail.forEach((frame, i) => out.set(frame, i * FRAME));
  return out;
}

const level = (frames: Int16Array[], hz: number): number =>
  frames.length < SECOND_FRAMES ? 0 : toneAmplitude(lastSecond(frames), hz, RATE);

/** A JPEG envelope (SOI … EOI) carrying a label, as a camera or screen frame stand-in. */
function jpeg(label: string, bytes = 20_000): Buffer {
  const frame = Buffer.alloc(bytes, label.length);
  frame.writeUInt16BE(0xffd8, 0);
  frame.write(`${label}|`, 2, 'ascii');
  frame.writeUInt16BE(0xffd9, bytes - 2);
  return frame;
}
const labelOf = (frame: Buffer): string => frame.subarray(2, frame.indexOf('|')).toString('ascii');

/** A tab's microphone: one MIC_FRAME of a tone per frame period, paced by the wall clock. */
function speak(tab: GatewayTab, hz: number): () => void {
  const tone = new ToneSource(hz, RATE, FRAME);
  const started = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * RATE) / 1000 / FRAME);
    for (; sent < due; sent++) {
      const frame = tone.next();
      tab.sendBinary(BinaryKind.MicFrame, sent, new Uint8Array(frame.buffer));
    }
  }, 5);
  return () => clearInterval(timer);
}

/**
 * Browser media through the gateway, as the gateway runs (built, its own process) in front of
 * real control, audio, video and screen services: tabs emulated over real WebSockets, and a
 * native participant (the client library) in the same room hearing and seeing them.
 */
describe('gateway media: microphone, mix, camera, video tiles and screen share for tabs', () => {
  const stack = new ServiceStack();
  let dir: string;
  let url: string;
  let ann: GatewayTab;
  let bob: GatewayTab;
  let annId: string;
  let nat: Session;
  let natAudio: AudioClient;
  let natVideo: VideoClient;
  const natHeard: Int16Array[] = [];
  const natSaw: ReceivedVideoFrame[] = [];
  const stops: (() => void)[] = [];
  let stopSpeaking = (): void => undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-gateway-media-'));
    await stack.start(['control', 'audio', 'video', 'screen', 'gateway'], {
      GATEWAY_TLS_DIR: join(dir, 'tls'),
      GATEWAY_SPOOL_DIR: join(dir, 'spool'),
      IDLE_TIMEOUT_MS: '60000',
    });
    url = `https://127.0.0.1:${stack.ports.get('gateway')}/`;
    nat = new Session({
      host: '127.0.0.1',
      port: stack.ports.get('control') ?? 0,
      username: 'Nat',
      meetingId: 'media',
    });
    await nat.connect();
    natAudio = new AudioClient({ session: nat });
    natVideo = new VideoClient({ session: nat });
    await Promise.all([natAudio.start(), natVideo.start()]);
    natAudio.startStreaming(toneSource(660, RATE, FRAME));
    // The playout: one frame per period, silence included, so a voice that stops is seen to stop.
    natAudio.startReceiving((frame) => natHeard.push(Int16Array.from(frame)));
    natVideo.on('frame', (frame) => natSaw.push(frame));
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops) stop();
    natAudio?.close();
    natVideo?.close();
    await nat?.leave();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a tab’s microphone is mixed for the room, the tab hears the room, and mute silences it everywhere', async () => {
    ann = await GatewayTab.open(url);
    const welcome = ann.events.find((e) => e.type === 'welcome');
    expect(welcome).toMatchObject({ media: true, limits: { cameraBytes: 262144 } });
    const joined = await ann.join('Ann', 'media');
    annId = joined.participantId;
    expect(joined.audio).toEqual({ sampleRate: RATE, frameSamples: FRAME });
    // A tab starts with its microphone off: the room sees it muted.
    await waitFor(() => nat.participants.find((p) => p.username === 'Ann')?.muted === true, {
      timeoutMs: LONG,
      what: 'Ann muted at the start',
    });
    stopSpeaking = speak(ann, 440);
    stops.push(stopSpeaking);
    await expect(ann.request({ type: 'mic', on: true }, 'media')).resolves.toMatchObject({
      mic: true,
      camera: false,
      sharing: false,
    });
    await waitFor(() => nat.participants.find((p) => p.username === 'Ann')?.muted === false, {
      timeoutMs: LONG,
      what: 'Ann unmuted',
    });
    await waitFor(() => level(natHeard, 440) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 50,
      what: 'Nat to hear Ann’s 440 Hz',
    });
    // Ann hears Nat and not herself: each MIX_FRAME is one frame of the mixer's format.
    await waitFor(() => level(ann.mixes, 660) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 50,
      what: 'Ann to hear Nat’s 660 Hz',
    });
    expect(ann.mixes[0].length).toBe(FRAME);
    // The mixer names whom each listener hears: Ann hears Nat, Nat hears Ann.
    await ann.next((e) => e.type === 'speaking' && e.participantId === nat.participantId, LONG);
    await waitFor(() => natAudio.speaking === annId, {
      timeoutMs: LONG,
      what: 'Nat to hear Ann speaking',
    });
    expect(level(ann.mixes, 440)).toBeLessThan(SILENT);

    await ann.request({ type: 'mic', on: false }, 'media');
    await waitFor(() => nat.participants.find((p) => p.username === 'Ann')?.muted === true, {
      timeoutMs: LONG,
      what: 'Ann shown muted',
    });
    await waitFor(() => level(natHeard, 440) < SILENT, {
      timeoutMs: LONG,
      intervalMs: 50,
      what: 'Ann’s tone to leave Nat’s mix',
    });
    await waitFor(() => natAudio.speaking === null, {
      timeoutMs: LONG,
      what: 'nobody speaking for Nat',
    });
    await ann.request({ type: 'mic', on: true }, 'media');
    await waitFor(() => level(natHeard, 440) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 50,
      what: 'Ann heard again',
    });
  }, 90_000);

  it('a tab’s camera frames reach the room byte for byte; video-prefs pauses a sender for one tab only', async () => {
    bob = await GatewayTab.open(url);
    await bob.join('Bob', 'media');
    let n = 0;
    const sendCamera = (): string => {
      const label = `ann-${++n}`;
      ann.sendBinary(BinaryKind.CameraFrame, n, jpeg(label));
      return label;
    };
    await ann.request({ type: 'camera', on: true }, 'media');
    const camera = setInterval(sendCamera, 66);
    stops.push(() => clearInterval(camera));
    await waitFor(() => bob.videoFrames.length >= 5, {
      timeoutMs: LONG,
      what: 'five of Ann’s frames at Bob',
    });
    const seen = bob.videoFrames[4];
    expect(seen.sender).toBe(annId);
    expect(seen.jpeg.equals(jpeg(labelOf(seen.jpeg)))).toBe(true);
    await waitFor(() => natSaw.filter((f) => f.participantId === annId).length >= 5, {
      timeoutMs: LONG,
      what: 'Nat to see Ann',
    });
    // Nobody's own frames come back.
    expect(ann.videoFrames).toEqual([]);

    await expect(
      bob.request({ type: 'video-prefs', paused: [annId] }, 'media'),
    ).resolves.toMatchObject({ paused: [annId] });
    const pausedAfter = n + 1;
    const natCount = (): number =>
      natSaw.filter((f) => Number(labelOf(f.jpeg).slice(4)) > pausedAfter + 5).length;
    await waitFor(() => natCount() >= 3, { timeoutMs: LONG, what: 'Nat to see more of Ann' });
    expect(bob.videoFrames.filter((f) => Number(labelOf(f.jpeg).slice(4)) > pausedAfter)).toEqual(
      [],
    );

    await bob.request({ type: 'video-prefs', paused: [] }, 'media');
    const resumedAfter = n;
    await waitFor(
      () => bob.videoFrames.some((f) => Number(labelOf(f.jpeg).slice(4)) > resumedAfter),
      { timeoutMs: LONG, what: 'Ann at Bob again' },
    );

    // Camera off: what the tab still sends is dropped at the gateway.
    clearInterval(camera);
    await ann.request({ type: 'camera', on: false }, 'media');
    const offFrom = n + 1;
    for (let i = 0; i < 3; i++) sendCamera();
    await ann.request({ type: 'camera', on: true }, 'media');
    const onFrom = n + 1;
    sendCamera();
    await waitFor(() => natSaw.some((f) => labelOf(f.jpeg) === `ann-${onFrom}`), {
      timeoutMs: LONG,
      what: 'the frame after the camera came back',
    });
    const labels = new Set(natSaw.map((f) => labelOf(f.jpeg)));
    for (let i = offFrom; i < onFrom; i++) expect(labels.has(`ann-${i}`)).toBe(false);
    await ann.request({ type: 'camera', on: false }, 'media');
  }, 90_000);

  it('a tab shares its screen: viewers get its frames, a second presenter is told who presents, stop ends it', async () => {
    await expect(ann.request({ type: 'share', on: true }, 'media')).resolves.toMatchObject({
      sharing: true,
    });
    await bob.next((e) => e.type === 'screen' && e.presenting && e.presenter === 'Ann', LONG);
    let n = 0;
    const share = setInterval(() => {
      n++;
      ann.sendBinary(BinaryKind.ShareFrame, n, jpeg(`screen-${n}`, 50_000));
    }, 100);
    stops.push(() => clearInterval(share));
    await waitFor(() => bob.frames.length >= 3, { timeoutMs: LONG, what: 'three screen frames' });
    const frame = bob.frames[2].jpeg;
    expect(frame.equals(jpeg(labelOf(frame), 50_000))).toBe(true);
    // The presenter's page shows its own preview: its frames do not come back to it.
    expect(ann.frames).toEqual([]);

    const busy = await bob.request({ type: 'share', on: true }, 'media').catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(GatewayTabError);
    expect(busy).toMatchObject({ code: 'ScreenBusy', message: expect.stringContaining('Ann') });

    clearInterval(share);
    await expect(ann.request({ type: 'share', on: false }, 'media')).resolves.toMatchObject({
      sharing: false,
    });
    await bob.next((e) => e.type === 'screen' && !e.presenting, LONG);
    // Now Bob may present.
    await expect(bob.request({ type: 'share', on: true }, 'media')).resolves.toMatchObject({
      sharing: true,
    });
    await ann.next((e) => e.type === 'screen' && e.presenting && e.presenter === 'Bob', LONG);
    await bob.request({ type: 'share', on: false }, 'media');
  }, 60_000);

  it('refuses bad media messages on their socket only', async () => {
    const errorAfter = async (send: () => void) => {
      const next = bob.upcoming((e) => e.type === 'error');
      send();
      return next;
    };
    expect(
      await errorAfter(() => bob.sendBinary(BinaryKind.MicFrame, 1, new Uint8Array(100))),
    ).toMatchObject({ code: 'InvalidMessage', message: expect.stringContaining('512') });
    expect(
      await errorAfter(() => bob.sendBinary(BinaryKind.CameraFrame, 1, Buffer.from('not a jpeg'))),
    ).toMatchObject({ code: 'InvalidMessage', message: 'a CAMERA_FRAME is one JPEG image' });
    expect(
      await errorAfter(() => bob.sendBinary(BinaryKind.CameraFrame, 1, jpeg('big', 300 * 1024))),
    ).toMatchObject({ code: 'MessageTooLarge' });
    expect(
      await errorAfter(() => bob.sendBinary(BinaryKind.MixFrame, 1, new Uint8Array(1024))),
    ).toMatchObject({ code: 'InvalidMessage', message: expect.stringContaining('not 0x05') });
    expect(
      await errorAfter(() => bob.socket.send(JSON.stringify({ type: 'mic', id: 9007, on: 'yes' }))),
    ).toMatchObject({ id: 9007, code: 'InvalidMessage', field: 'on' });
    expect(
      await errorAfter(() =>
        bob.socket.send(JSON.stringify({ type: 'video-prefs', id: 9008, paused: ['../x'] })),
      ),
    ).toMatchObject({ id: 9008, code: 'InvalidMessage', field: 'paused' });

    const stranger = await GatewayTab.open(url);
    const notJoined = stranger.upcoming((e) => e.type === 'error');
    stranger.sendBinary(BinaryKind.MicFrame, 1, new Uint8Array(FRAME * 2));
    await expect(notJoined).resolves.toMatchObject({ code: 'NotJoined' });
    stranger.close();

    // Bob's socket still works.
    await expect(bob.request({ type: 'mic', on: false }, 'media')).resolves.toMatchObject({
      mic: false,
    });
  }, 60_000);

  it('a closed tab’s voice leaves the room’s mix', async () => {
    await waitFor(() => level(natHeard, 440) > AUDIBLE, {
      timeoutMs: LONG,
      intervalMs: 50,
      what: 'Ann heard before she goes',
    });
    stopSpeaking();
    ann.close();
    await waitFor(() => !nat.participants.some((p) => p.username === 'Ann'), {
      timeoutMs: LONG,
      what: 'Ann to leave',
    });
    await waitFor(() => level(natHeard, 440) < SILENT, {
      timeoutMs: LONG,
      intervalMs: 50,
      what: 'Ann’s tone to stop',
    });
    bob.close();
  }, 60_000);
});
