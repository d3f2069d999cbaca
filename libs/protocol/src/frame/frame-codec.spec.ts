import {
  encodeFrame,
  Frame,
  FrameDecoder,
  FrameError,
  FrameTooLargeError,
  HEADER_LENGTH,
  UnknownFrameTypeError,
  UnsupportedVersionError,
} from '../index';
import { FrameLimits, MessageType } from './message-type';

const LIMITS: FrameLimits = new Map([
  [MessageType.Register, 1024],
  [MessageType.Heartbeat, 64],
  [MessageType.ChatSend, 8192],
]);

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFrame(random: () => number): Frame {
  const types = [MessageType.Register, MessageType.Heartbeat, MessageType.ChatSend];
  const type = types[Math.floor(random() * types.length)];
  const length = Math.floor(random() * Math.min(LIMITS.get(type)!, 600));
  const payload = Buffer.alloc(length);
  for (let i = 0; i < length; i++) payload[i] = Math.floor(random() * 256);
  return { type, sequence: Math.floor(random() * 2 ** 32), payload };
}

describe('frame codec', () => {
  it('lays out the 10-byte header big-endian', () => {
    const bytes = encodeFrame(MessageType.ChatSend, 0x01020304, Buffer.from('hi'));
    expect([...bytes]).toEqual([
      0x01, 0x10, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0x68, 0x69,
    ]);
    expect([...encodeFrame(MessageType.Heartbeat, 0xffffffff)]).toEqual([
      1, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    ]);
  });

  it('decodes fixed bytes', () => {
    const decoder = new FrameDecoder(LIMITS);
    const frames = decoder.push(Buffer.from([1, 0x10, 0, 0, 0, 3, 0, 0, 0, 7, 0x61, 0x62, 0x63]));
    expect(frames).toHaveLength(1);
    expect(frames[0].type).toBe(MessageType.ChatSend);
    expect(frames[0].sequence).toBe(7);
    expect(frames[0].payload.toString()).toBe('abc');
    expect(decoder.hasPartialFrame).toBe(false);
  });

  it('round-trips zero-length payloads and sequences near 2^32', () => {
    const decoder = new FrameDecoder(LIMITS);
    for (const sequence of [0, 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1]) {
      const [frame] = decoder.push(encodeFrame(MessageType.Heartbeat, sequence));
      expect(frame.sequence).toBe(sequence);
      expect(frame.payload.length).toBe(0);
    }
  });

  it('decodes one frame split at every offset', () => {
    const bytes = encodeFrame(MessageType.Register, 42, Buffer.from('split me anywhere'));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new FrameDecoder(LIMITS);
      const first = decoder.push(bytes.subarray(0, cut));
      const second = decoder.push(bytes.subarray(cut));
      const frames = [...first, ...second];
      expect(frames).toHaveLength(1);
      expect(frames[0].payload.toString()).toBe('split me anywhere');
      expect(decoder.hasPartialFrame).toBe(false);
    }
  });

  it('decodes one byte at a time', () => {
    const bytes = encodeFrame(MessageType.ChatSend, 9, Buffer.from('drip'));
    const decoder = new FrameDecoder(LIMITS);
    const frames: Frame[] = [];
    for (const byte of bytes) frames.push(...decoder.push(Buffer.from([byte])));
    expect(frames.map((f) => f.payload.toString())).toEqual(['drip']);
  });

  it('decodes thousands of frames in one burst', () => {
    const count = 5_000;
    const burst = Buffer.concat(
      Array.from({ length: count }, (_, i) =>
        encodeFrame(MessageType.ChatSend, i, Buffer.from(`message ${i}`)),
      ),
    );
    const frames = new FrameDecoder(LIMITS).push(burst);
    expect(frames).toHaveLength(count);
    frames.forEach((frame, i) => {
      expect(frame.sequence).toBe(i);
      expect(frame.payload.toString()).toBe(`message ${i}`);
    });
  });

  it('decodes a long stream of random frames cut at random places (seeded fuzz)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = prng(seed);
      const sent = Array.from({ length: 200 }, () => randomFrame(random));
      const stream = Buffer.concat(sent.map((f) => encodeFrame(f.type, f.sequence, f.payload)));
      const decoder = new FrameDecoder(LIMITS);
      const received: Frame[] = [];
      for (let offset = 0; offset < stream.length;) {
        const size = 1 + Math.floor(random() * 900);
        received.push(...decoder.push(stream.subarray(offset, offset + size)));
        offset += size;
      }
      expect(received).toHaveLength(sent.length);
      received.forEach((frame, i) => {
        expect(frame.type).toBe(sent[i].type);
        expect(frame.sequence).toBe(sent[i].sequence);
        expect(frame.payload.equals(sent[i].payload)).toBe(true);
      });
      expect(decoder.hasPartialFrame).toBe(false);
    }
  });

  it('only ever throws FrameError on random bytes, and is usable again after reset', () => {
    const random = prng(7);
    for (let round = 0; round < 2_000; round++) {
      const decoder = new FrameDecoder(LIMITS);
      const junk = Buffer.alloc(1 + Math.floor(random() * 64));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(random() * 256);
      try {
        decoder.push(junk);
      } catch (error) {
        expect(error).toBeInstanceOf(FrameError);
        expect(decoder.bufferedBytes).toBe(0);
        expect(decoder.hasPartialFrame).toBe(false);
      }
      decoder.reset();
      const [frame] = decoder.push(encodeFrame(MessageType.Heartbeat, round));
      expect(frame.sequence).toBe(round);
    }
  });

  it('holds a truncated frame without emitting it', () => {
    const decoder = new FrameDecoder(LIMITS);
    const bytes = encodeFrame(MessageType.Register, 1, Buffer.alloc(100, 1));
    expect(decoder.push(bytes.subarray(0, 5))).toEqual([]);
    expect(decoder.hasPartialFrame).toBe(true);
    expect(decoder.push(bytes.subarray(5, 60))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(50);
  });

  it('refuses an oversize frame from its header alone, before any payload arrives', () => {
    const decoder = new FrameDecoder(LIMITS);
    const header = encodeFrame(MessageType.Register, 1, Buffer.alloc(1025)).subarray(
      0,
      HEADER_LENGTH,
    );
    expect(() => decoder.push(header)).toThrow(FrameTooLargeError);
    expect(() => new FrameDecoder(LIMITS).push(header)).toThrow(
      'frame of type 0x01 is 1025 bytes, over its limit of 1024',
    );
  });

  it('accepts a frame exactly at its limit', () => {
    const [frame] = new FrameDecoder(LIMITS).push(
      encodeFrame(MessageType.Register, 1, Buffer.alloc(1024, 9)),
    );
    expect(frame.payload.length).toBe(1024);
  });

  it('refuses an unknown type and another version', () => {
    expect(() => new FrameDecoder(LIMITS).push(encodeFrame(0x7f, 1))).toThrow(
      UnknownFrameTypeError,
    );
    const other = encodeFrame(MessageType.Heartbeat, 1);
    other[0] = 2;
    expect(() => new FrameDecoder(LIMITS).push(other)).toThrow(UnsupportedVersionError);
  });

  it('starts clean after an error: the bytes after a bad frame are not misread', () => {
    const decoder = new FrameDecoder(LIMITS);
    const bad = Buffer.concat([encodeFrame(0x7f, 1), encodeFrame(MessageType.Heartbeat, 2)]);
    expect(() => decoder.push(bad)).toThrow(UnknownFrameTypeError);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.push(encodeFrame(MessageType.Heartbeat, 3))[0].sequence).toBe(3);
  });
});
