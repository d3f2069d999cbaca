import { randomBytes } from 'node:crypto';
import {
  DATAGRAM_VERSION_OFFSET,
  DATAGRAM_HEADER_LENGTH,
  decodeMediaDatagram,
  encodeAudioDatagram,
  encodeKeepalive,
  AUDIO_MAX_FRAME_SAMPLES,
  videoPieceBytes,
  encodeVideoFragment,
} from './media-datagram';
import { MAX_DATAGRAM_PAYLOAD, MAX_VIDEO_DATAGRAM_BYTES } from '../constants/media';
import {
  deriveMediaKey,
  deriveMediaKeyBytes,
  MediaSealer,
  openSealedBody,
  openSealedDatagram,
  REPLAY_WINDOW,
  ReplayWindow,
  SEAL_OVERHEAD,
  SEALED_DATAGRAM_VERSION,
} from './media-seal';

const token = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const base = Buffer.from('101112131415161718191a1b1c1d1e1f', 'hex');

describe('sealed media datagrams', () => {
  it('derives one key per kind and direction', () => {
    const keys = [
      deriveMediaKeyBytes(base, 'audio', 'up'),
      deriveMediaKeyBytes(base, 'audio', 'down'),
      deriveMediaKeyBytes(base, 'video', 'up'),
      deriveMediaKeyBytes(base, 'video', 'down'),
    ].map((key) => key.toString('hex'));
    expect(new Set(keys).size).toBe(4);
    expect(keys[0]).toHaveLength(32);
    expect(() => deriveMediaKey(Buffer.alloc(15), 'audio', 'up')).toThrow(RangeError);
  });

  it('keeps the header readable, hides the body, and opens back to the same datagram', () => {
    const key = deriveMediaKey(base, 'audio', 'down');
    const samples = Int16Array.from({ length: 512 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    const plain = encodeAudioDatagram(token, 42, 512 * 42, samples);
    const sealer = new MediaSealer(key, 0x1_05);
    const sealed = sealer.seal(plain);
    expect(sealed.length).toBe(plain.length + SEAL_OVERHEAD);
    expect(sealed[0]).toBe(SEALED_DATAGRAM_VERSION);
    expect(sealed[3]).toBe(0x05);
    expect(sealed.subarray(1, 3).equals(plain.subarray(1, 3))).toBe(true);
    expect(sealed.subarray(4, 28).equals(plain.subarray(4, 28))).toBe(true);
    // No run of 16 sample bytes survives in the sealed bytes.
    const body = plain.subarray(DATAGRAM_HEADER_LENGTH);
    for (let at = 0; at + 16 <= body.length; at += 16)
      expect(sealed.indexOf(body.subarray(at, at + 16))).toBe(-1);
    const opened = openSealedDatagram(sealed, key, new ReplayWindow());
    expect(opened?.equals(plain)).toBe(true);
    expect(decodeMediaDatagram(opened!).sequence).toBe(42);
    // Sealed straight from the samples: the same datagram, a silent one too.
    const straight = openSealedDatagram(
      sealer.sealAudio(token, 43, 512 * 43, samples),
      key,
      new ReplayWindow(),
    );
    expect(straight?.equals(encodeAudioDatagram(token, 43, 512 * 43, samples))).toBe(true);
    const silence = openSealedDatagram(
      sealer.sealAudio(null, 44, 0, null),
      key,
      new ReplayWindow(),
    );
    expect(silence?.equals(encodeAudioDatagram(null, 44, 0, null))).toBe(true);
  });

  it('never opens a bit-flipped, truncated, replayed or wrongly keyed datagram', () => {
    const key = deriveMediaKey(base, 'video', 'up');
    const sealer = new MediaSealer(key);
    const sealed = sealer.seal(encodeKeepalive(token, 1));
    for (let byte = 0; byte < sealed.length; byte++) {
      const flipped = Buffer.from(sealed);
      flipped[byte] ^= 0x10;
      expect(openSealedDatagram(flipped, key, new ReplayWindow())).toBeNull();
    }
    // Opening works in place: each attempt gets its own copy, as each datagram received is.
    const copy = (bytes: Buffer): Buffer => Buffer.from(bytes);
    for (let length = 0; length < sealed.length; length++)
      expect(
        openSealedDatagram(copy(sealed.subarray(0, length)), key, new ReplayWindow()),
      ).toBeNull();
    expect(
      openSealedDatagram(copy(sealed), deriveMediaKey(base, 'audio', 'up'), new ReplayWindow()),
    ).toBeNull();
    const window = new ReplayWindow();
    expect(openSealedDatagram(copy(sealed), key, window)).not.toBeNull();
    expect(openSealedDatagram(copy(sealed), key, window)).toBeNull();
    expect(openSealedDatagram(Buffer.from(randomBytes(200)), key, window)).toBeNull();
  });

  it('opens a body in place and seals it again there, as a relay forwards', () => {
    const up = deriveMediaKey(base, 'video', 'up');
    const down = deriveMediaKey(base, 'video', 'down');
    const plain = encodeKeepalive(token, 7);
    const received = new MediaSealer(up).seal(Buffer.concat([plain, Buffer.from('a fragment')]));
    const body = openSealedBody(received, up, new ReplayWindow());
    expect(body?.toString()).toBe('a fragment');
    received[DATAGRAM_VERSION_OFFSET] = 1;
    const forwarded = new MediaSealer(down, 3).sealInPlace(received);
    expect(forwarded).toBe(received);
    expect(forwarded.indexOf('a fragment')).toBe(-1);
    const opened = openSealedDatagram(forwarded, down, new ReplayWindow());
    expect(opened?.equals(Buffer.concat([plain, Buffer.from('a fragment')]))).toBe(true);
  });

  it('accepts reordering within the window and refuses what is older or seen', () => {
    const window = new ReplayWindow();
    const take = (counter: number): boolean => {
      if (!window.fresh(counter)) return false;
      window.accept(counter);
      return true;
    };
    expect(take(1000)).toBe(true);
    expect(take(1002)).toBe(true);
    expect(take(1001)).toBe(true);
    expect(take(1001)).toBe(false);
    expect(take(1002 - REPLAY_WINDOW + 1)).toBe(true);
    expect(take(1002 - REPLAY_WINDOW)).toBe(false);
    expect(take(1000 + 300)).toBe(true);
    expect(take(1002)).toBe(false);
    // Every counter in a shuffled run of 100 passes once, and only once.
    const counters = Array.from({ length: 100 }, (_, i) => 5000 + i);
    for (let i = counters.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [counters[i], counters[j]] = [counters[j], counters[i]];
    }
    expect(counters.map(take).every(Boolean)).toBe(true);
    expect(counters.map(take).some(Boolean)).toBe(false);
    window.reset();
    expect(take(5000)).toBe(true);
  });

  it('gives a restarted sealer counters after its earlier ones, under a fresh prefix', () => {
    const key = deriveMediaKey(base, 'audio', 'up');
    const window = new ReplayWindow();
    const first = new MediaSealer(key).seal(encodeKeepalive(token, 1));
    const second = new MediaSealer(key).seal(encodeKeepalive(token, 1));
    expect(first.subarray(28, 32).equals(second.subarray(28, 32))).toBe(false);
    expect(openSealedDatagram(first, key, window)).not.toBeNull();
    expect(openSealedDatagram(second, key, window)).not.toBeNull();
  });

  it('fits the largest sealed datagrams in their limits', () => {
    const sealer = new MediaSealer(deriveMediaKey(base, 'audio', 'up'));
    const audio = sealer.seal(
      encodeAudioDatagram(token, 1, 1, new Int16Array(AUDIO_MAX_FRAME_SAMPLES)),
    );
    expect(audio.length).toBeLessThanOrEqual(MAX_DATAGRAM_PAYLOAD);
    for (const size of [MAX_DATAGRAM_PAYLOAD, MAX_VIDEO_DATAGRAM_BYTES]) {
      const video = sealer.seal(
        encodeVideoFragment(token, 1, 1, {
          frameId: 1,
          index: 0,
          count: 1,
          piece: Buffer.alloc(videoPieceBytes(size)),
        }),
      );
      expect(video.length).toBe(size);
    }
  });
});
