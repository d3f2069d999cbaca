import {
  decodeVideoFragment,
  encodeVideoFragment,
  encodeVideoPrefs,
  participantIdFromBytes,
  participantIdToBytes,
  VIDEO_FRAGMENT_MAX_PIECE,
  videoPieceBytes,
  AUDIO_MAX_FRAME_SAMPLES,
  DATAGRAM_HEADER_LENGTH,
  DatagramError,
  DatagramFlags,
  DatagramKind,
  decodeMediaDatagram,
  encodeAudioDatagram,
  encodeKeepalive,
  readAudioSamples,
} from './media-datagram';
import { MAX_VIDEO_DATAGRAM_BYTES } from '../constants/media';

const token = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

describe('media datagrams', () => {
  it('lays out an audio datagram byte by byte', () => {
    const bytes = encodeAudioDatagram(token, 0x01020304, 0x0a0b0c0d, Int16Array.from([1, -2]));
    expect(bytes.toString('hex')).toBe(
      '01010000' + '000102030405060708090a0b0c0d0e0f' + '01020304' + '0a0b0c0d' + '0100' + 'feff',
    );
  });

  it('round-trips audio, silence and keepalives', () => {
    const samples = Int16Array.from({ length: 512 }, (_, i) => ((i * 97) % 65536) - 32768);
    const decoded = decodeMediaDatagram(encodeAudioDatagram(token, 7, 3584, samples));
    expect(decoded).toMatchObject({
      kind: DatagramKind.Audio,
      flags: DatagramFlags.None,
      sequence: 7,
      timestamp: 3584,
    });
    expect(decoded.token.equals(token)).toBe(true);
    const out = new Int16Array(512);
    expect(readAudioSamples(decoded.body, out)).toBe(512);
    expect(out).toEqual(samples);
    expect(decodeMediaDatagram(encodeAudioDatagram(token, 8, 0, null))).toMatchObject({
      flags: DatagramFlags.Silence,
      body: Buffer.alloc(0),
    });
    expect(decodeMediaDatagram(encodeKeepalive(token, 9))).toMatchObject({
      kind: DatagramKind.Keepalive,
      sequence: 9,
    });
    expect(encodeAudioDatagram(null, 1, 1, null).subarray(4, 20).equals(Buffer.alloc(16))).toBe(
      true,
    );
  });

  it('keeps every datagram within 1200 bytes', () => {
    expect(
      encodeAudioDatagram(token, 1, 1, new Int16Array(AUDIO_MAX_FRAME_SAMPLES)).length,
    ).toBeLessThanOrEqual(1200);
    expect(() =>
      encodeAudioDatagram(token, 1, 1, new Int16Array(AUDIO_MAX_FRAME_SAMPLES + 1)),
    ).toThrow(DatagramError);
  });

  it('refuses every truncation of a header and anything malformed, only ever with DatagramError', () => {
    const good = encodeAudioDatagram(token, 1, 1, new Int16Array(4));
    for (let length = 0; length < DATAGRAM_HEADER_LENGTH; length++) {
      expect(() => decodeMediaDatagram(good.subarray(0, length))).toThrow(DatagramError);
    }
    expect(() => decodeMediaDatagram(good.subarray(0, good.length - 1))).toThrow(
      'audio body is not whole 16-bit samples',
    );
    const wrongVersion = Buffer.from(good);
    wrongVersion[0] = 9;
    expect(() => decodeMediaDatagram(wrongVersion)).toThrow('unsupported datagram version 9');
    const wrongKind = Buffer.from(good);
    wrongKind[1] = 77;
    expect(() => decodeMediaDatagram(wrongKind)).toThrow('unknown datagram kind 77');
    expect(() => decodeMediaDatagram(Buffer.alloc(1300, 1))).toThrow(DatagramError);
    let seed = 3;
    for (let round = 0; round < 5_000; round++) {
      const junk = Buffer.alloc(1 + (round % 80));
      for (let i = 0; i < junk.length; i++)
        junk[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      try {
        decodeMediaDatagram(junk);
      } catch (error) {
        expect(error).toBeInstanceOf(DatagramError);
      }
    }
  });

  it('lays out and round-trips video fragments and preferences', () => {
    const bytes = encodeVideoFragment(token, 5, 1000, {
      frameId: 0x0a0b0c0d,
      index: 1,
      count: 3,
      piece: Buffer.from('JPEG'),
    });
    expect(bytes.subarray(28).toString('hex')).toBe(
      '0a0b0c0d' + '0001' + '0003' + Buffer.from('JPEG').toString('hex'),
    );
    const datagram = decodeMediaDatagram(bytes);
    expect(datagram).toMatchObject({
      kind: DatagramKind.VideoFragment,
      sequence: 5,
      timestamp: 1000,
    });
    expect(decodeVideoFragment(datagram.body)).toMatchObject({
      frameId: 0x0a0b0c0d,
      index: 1,
      count: 3,
      piece: Buffer.from('JPEG'),
    });
    const full = encodeVideoFragment(token, 1, 1, {
      frameId: 1,
      index: 0,
      count: 1,
      piece: Buffer.alloc(VIDEO_FRAGMENT_MAX_PIECE),
    });
    // 1200 once sealed (media-seal.spec.ts).
    expect(full.length).toBe(1200 - 28);
    const largest = encodeVideoFragment(token, 1, 1, {
      frameId: 1,
      index: 0,
      count: 1,
      piece: Buffer.alloc(videoPieceBytes(MAX_VIDEO_DATAGRAM_BYTES), 7),
    });
    expect(largest.length).toBe(MAX_VIDEO_DATAGRAM_BYTES - 28);
    expect(decodeVideoFragment(decodeMediaDatagram(largest).body).piece.length).toBe(
      MAX_VIDEO_DATAGRAM_BYTES - 36 - 28,
    );
    expect(() =>
      encodeVideoFragment(token, 1, 1, {
        frameId: 1,
        index: 0,
        count: 1,
        piece: Buffer.alloc(videoPieceBytes(MAX_VIDEO_DATAGRAM_BYTES) + 1),
      }),
    ).toThrow(DatagramError);
    expect(() => decodeMediaDatagram(Buffer.concat([largest, Buffer.alloc(29)]))).toThrow(
      `datagram of ${MAX_VIDEO_DATAGRAM_BYTES + 1} bytes is over ${MAX_VIDEO_DATAGRAM_BYTES}`,
    );
    // Only video may pass the safe size: audio and the rest stay within 1200 bytes.
    const bigAudio = Buffer.alloc(1202);
    encodeAudioDatagram(token, 1, 1, new Int16Array(2)).copy(bigAudio);
    expect(() => decodeMediaDatagram(bigAudio)).toThrow('datagram of 1202 bytes is over 1200');
    expect(() => decodeVideoFragment(Buffer.from('0000000100030003', 'hex'))).toThrow(
      'fragment 3 of 3 is out of range',
    );

    const id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    expect(participantIdFromBytes(participantIdToBytes(id))).toBe(id);
    const prefs = decodeMediaDatagram(encodeVideoPrefs(token, 2, [participantIdToBytes(id)]));
    expect(prefs.kind).toBe(DatagramKind.VideoPrefs);
    expect(participantIdFromBytes(prefs.body)).toBe(id);
    const ragged = encodeVideoPrefs(token, 2, []);
    expect(() => decodeMediaDatagram(Buffer.concat([ragged, Buffer.alloc(3)]))).toThrow(
      DatagramError,
    );
  });
});
