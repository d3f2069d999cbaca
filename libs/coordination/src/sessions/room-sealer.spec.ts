import {
  DATAGRAM_HEADER_LENGTH,
  DATAGRAM_KEY_EPOCH_OFFSET,
  deriveMediaKey,
  encodeAudioDatagram,
  encodeKeepalive,
  openSealedDatagram,
  ReplayWindow,
} from '@sapora/protocol';
import { RoomKeyState } from './live-session-cache';
import { RoomSealer } from './room-sealer';

describe('RoomSealer', () => {
  it('seals nothing until the room key is known, then follows the key as it changes', () => {
    const state: RoomKeyState = { epoch: -1, key: null };
    const sealer = new RoomSealer(state, 'video');
    const plain = encodeKeepalive(Buffer.alloc(16, 1), 5);
    const seal = (): Buffer | null =>
      sealer.sealApart(plain, plain.subarray(DATAGRAM_HEADER_LENGTH));
    expect(seal()).toBeNull();
    expect(sealer.sealAudio(null, 1, 512, new Int16Array(512))).toBeNull();

    const first = Buffer.alloc(16, 0xa1);
    Object.assign(state, { epoch: 0, key: first });
    const window = new ReplayWindow();
    const under = (key: Buffer, sealed: Buffer | null): Buffer | null =>
      openSealedDatagram(sealed!, deriveMediaKey(key, 'video', 'down'), window);
    const before = seal();
    expect(before?.[DATAGRAM_KEY_EPOCH_OFFSET]).toBe(0);
    expect(under(first, before)?.equals(plain)).toBe(true);

    // A new key (a leave): sealed under it from the next datagram, its counters running on.
    const second = Buffer.alloc(16, 0xb2);
    Object.assign(state, { epoch: 257, key: second });
    const after = seal();
    expect(after?.[DATAGRAM_KEY_EPOCH_OFFSET]).toBe(1);
    expect(
      openSealedDatagram(
        Buffer.from(after!),
        deriveMediaKey(first, 'video', 'down'),
        new ReplayWindow(),
      ),
    ).toBeNull();
    expect(under(second, after)?.equals(plain)).toBe(true);

    // A mix sealed straight from its samples opens to the datagram encoding them would give.
    const samples = Int16Array.from({ length: 512 }, (_, i) => ((i * 331) % 20_000) - 10_000);
    const speaker = Buffer.alloc(16, 7);
    const mix = sealer.sealAudio(speaker, 9, 512 * 9, samples);
    expect(
      openSealedDatagram(
        Buffer.from(mix!),
        deriveMediaKey(second, 'audio', 'down'),
        new ReplayWindow(),
      ),
    ).toBeNull();
    const audioSealer = new RoomSealer(state, 'audio');
    const heard = openSealedDatagram(
      audioSealer.sealAudio(speaker, 9, 512 * 9, samples)!,
      deriveMediaKey(second, 'audio', 'down'),
      new ReplayWindow(),
    );
    expect(heard?.equals(encodeAudioDatagram(speaker, 9, 512 * 9, samples))).toBe(true);
  });
});
