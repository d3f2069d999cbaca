import { RoomMixer } from './room-mixer';
import { SpeakerDetector } from './speaker-detector';
import { ToneSource } from './tone';

const FRAME_MS = (512 / 44_100) * 1000;
const LOUD = 4000;
const QUIET = 20;

/** Runs `ms` of ticks where `levels` gives each sender's level, and collects the reports. */
function run(detector: SpeakerDetector, ms: number, levels: Record<string, number>): string[][] {
  const reports: string[][] = [];
  for (let t = 0; t < ms; t += FRAME_MS) {
    for (const [id, level] of Object.entries(levels)) detector.level(id, level);
    const report = detector.tick();
    if (report !== null) reports.push(report);
  }
  return reports;
}

describe('SpeakerDetector', () => {
  it('reports speakers taking turns, in order, once per change', () => {
    const detector = new SpeakerDetector({ frameMs: FRAME_MS });
    expect(run(detector, 1000, { ann: LOUD, ben: QUIET })).toEqual([['ann']]);
    // Ann stops, Ben starts: Ben is a speaker within startMs, Ann stays until stopMs of quiet.
    expect(run(detector, 2000, { ann: QUIET, ben: LOUD })).toEqual([['ben', 'ann'], ['ben']]);
    expect(run(detector, 2000, { ben: QUIET })).toEqual([[]]);
  });

  it('ignores a short burst and does not flicker in pauses between words', () => {
    const detector = new SpeakerDetector({ frameMs: FRAME_MS });
    expect(run(detector, 120, { cat: LOUD })).toEqual([]);
    expect(run(detector, 2000, { cat: QUIET })).toEqual([]);
    const reports: string[][] = [];
    for (let word = 0; word < 10; word++) {
      reports.push(...run(detector, 400, { cat: LOUD }));
      reports.push(...run(detector, 300, { cat: QUIET }));
    }
    expect(reports).toEqual([['cat']]);
  });

  it('spaces reports by minIntervalMs and orders speakers loudest first', () => {
    const detector = new SpeakerDetector({ frameMs: FRAME_MS, minIntervalMs: 1000 });
    const times: number[] = [];
    const reports: string[][] = [];
    for (let tick = 0; tick * FRAME_MS < 3000; tick++) {
      detector.level('a', 2000);
      // b starts talking 300 ms after a, louder.
      if (tick * FRAME_MS >= 300) detector.level('b', 8000);
      const report = detector.tick();
      if (report === null) continue;
      reports.push(report);
      times.push(tick * FRAME_MS);
    }
    expect(reports).toEqual([['a'], ['b', 'a']]);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(1000 - FRAME_MS);
    detector.remove('b');
    expect(detector.tick()).toEqual(['a']);
  });

  it('hears levels from the mixer, summed in the pass that mixes', () => {
    const mixer = new RoomMixer(512);
    const detector = new SpeakerDetector({ frameMs: FRAME_MS });
    const tone = new ToneSource(440, 44_100, 512);
    const silence = new Int16Array(512);
    mixer.addListener('a');
    mixer.addListener('b');
    let report: string[] | null = null;
    for (let i = 0; i < 40 && report === null; i++) {
      mixer.setFrame('a', tone.next());
      mixer.setFrame('b', silence);
      mixer.mix(
        () => undefined,
        (id, level) => detector.level(id, level),
      );
      report = detector.tick();
    }
    expect(report).toEqual(['a']);
  });
});
