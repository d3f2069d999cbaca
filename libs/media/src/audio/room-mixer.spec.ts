import { RoomMixer } from './room-mixer';
import { toneAmplitude } from './spectrum';
import { ToneSource } from './tone';

const RATE = 44_100;
const FRAME = 512;

function hear(
  frames: number,
  setup: (mixer: RoomMixer, tones: Map<string, ToneSource>) => void,
): Map<string, Int16Array> {
  const mixer = new RoomMixer(FRAME);
  const tones = new Map<string, ToneSource>();
  setup(mixer, tones);
  const heard = new Map<string, Int16Array>();
  for (let f = 0; f < frames; f++) {
    for (const [id, tone] of tones) mixer.setFrame(id, Int16Array.from(tone.next()));
    mixer.mix((listener, mixed) => {
      const all = heard.get(listener) ?? new Int16Array(frames * FRAME);
      all.set(mixed, f * FRAME);
      heard.set(listener, all);
    });
  }
  return heard;
}

describe('RoomMixer', () => {
  it('gives each listener everyone but themselves (checked by spectrum)', () => {
    const heard = hear(8, (mixer, tones) => {
      ['A', 'B', 'C'].forEach((id) => mixer.addListener(id));
      tones.set('A', new ToneSource(440, RATE, FRAME, 0.3));
      tones.set('B', new ToneSource(660, RATE, FRAME, 0.3));
    });
    const level = (id: string, hz: number) => toneAmplitude(heard.get(id)!, hz, RATE);
    expect(level('C', 440)).toBeGreaterThan(0.25);
    expect(level('C', 660)).toBeGreaterThan(0.25);
    expect(level('A', 660)).toBeGreaterThan(0.25);
    expect(level('A', 440)).toBeLessThan(0.01);
    expect(level('B', 440)).toBeGreaterThan(0.25);
    expect(level('B', 660)).toBeLessThan(0.01);
  });

  it('sends nothing when nobody speaks, and nothing to a lone speaker', () => {
    const silent = hear(4, (mixer) => ['A', 'B'].forEach((id) => mixer.addListener(id)));
    expect(silent.size).toBe(0);
    const alone = hear(4, (mixer, tones) => {
      ['A', 'B'].forEach((id) => mixer.addListener(id));
      tones.set('A', new ToneSource(440, RATE, FRAME));
    });
    expect([...alone.keys()]).toEqual(['B']);
  });

  it('sums and clips to 16 bits', () => {
    const mixer = new RoomMixer(4);
    ['A', 'B', 'C'].forEach((id) => mixer.addListener(id));
    mixer.setFrame('A', Int16Array.from([30000, -30000, 100, 0]));
    mixer.setFrame('B', Int16Array.from([30000, -30000, -50, 7]));
    const out = new Map<string, number[]>();
    mixer.mix((id, mixed) => out.set(id, [...mixed]));
    expect(out.get('C')).toEqual([32767, -32768, 50, 7]);
    expect(out.get('A')).toEqual([30000, -30000, -50, 7]);
    expect(out.get('B')).toEqual([30000, -30000, 100, 0]);
  });

  it('forgets a listener that left, and refuses a frame of the wrong size', () => {
    const mixer = new RoomMixer(4);
    mixer.addListener('A');
    mixer.addListener('B');
    mixer.removeListener('B');
    mixer.setFrame('A', Int16Array.from([1, 2, 3, 4]));
    const out: string[] = [];
    mixer.mix((id) => out.push(id));
    expect(out).toEqual([]);
    expect(mixer.listeners).toBe(1);
    expect(() => mixer.setFrame('A', new Int16Array(3))).toThrow(RangeError);
  });

  it('tells each listener the loudest speaking voice in their mix, never their own', () => {
    const mixer = new RoomMixer(FRAME);
    ['A', 'B', 'C', 'D'].forEach((id) => mixer.addListener(id));
    mixer.setFrame('A', new ToneSource(440, RATE, FRAME, 0.5).next());
    mixer.setFrame('B', new ToneSource(660, RATE, FRAME, 0.1).next());
    // C whispers under the speaking level; D says nothing.
    mixer.setFrame('C', new ToneSource(880, RATE, FRAME, 0.005).next());
    const speakers = new Map<string, string | null>();
    mixer.mix((id, _mixed, speaker) => speakers.set(id, speaker));
    expect(Object.fromEntries(speakers)).toEqual({ A: 'B', B: 'A', C: 'A', D: 'A' });

    mixer.setFrame('C', new ToneSource(880, RATE, FRAME, 0.005).next());
    mixer.setFrame('D', new Int16Array(FRAME));
    speakers.clear();
    mixer.mix((id, _mixed, speaker) => speakers.set(id, speaker));
    expect(Object.fromEntries(speakers)).toEqual({ A: null, B: null, C: null, D: null });
  });
});
