import {
  DATAGRAM_KEY_EPOCH_OFFSET,
  deriveMediaKey,
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
    expect(sealer.seal(plain)).toBeNull();

    const first = Buffer.alloc(16, 0xa1);
    Object.assign(state, { epoch: 0, key: first });
    const window = new ReplayWindow();
    const under = (key: Buffer, sealed: Buffer | null): Buffer | null =>
      openSealedDatagram(sealed!, deriveMediaKey(key, 'video', 'down'), window);
    const before = sealer.seal(plain);
    expect(before?.[DATAGRAM_KEY_EPOCH_OFFSET]).toBe(0);
    expect(under(first, before)?.equals(plain)).toBe(true);

    // A new key (a leave): sealed under it from the next datagram, its counters running on.
    const second = Buffer.alloc(16, 0xb2);
    Object.assign(state, { epoch: 257, key: second });
    const after = sealer.seal(plain);
    expect(after?.[DATAGRAM_KEY_EPOCH_OFFSET]).toBe(1);
    expect(
      openSealedDatagram(after!, deriveMediaKey(first, 'video', 'down'), new ReplayWindow()),
    ).toBeNull();
    expect(under(second, after)?.equals(plain)).toBe(true);
  });
});
