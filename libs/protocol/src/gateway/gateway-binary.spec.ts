import {
  BinaryKind,
  BinaryMessageError,
  decodeBinaryMessage,
  encodeBinaryMessage,
  participantIdToUuidBytes,
  readVideoFrameSender,
  TAB_BINARY_KINDS,
} from './gateway-binary';

describe('gateway binary messages', () => {
  it('lays out kind, a big-endian number and the payload', () => {
    const message = encodeBinaryMessage(
      BinaryKind.FileChunk,
      0x01020304,
      Uint8Array.of(0xaa, 0xbb),
    );
    expect([...message]).toEqual([0x01, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]);
    expect(decodeBinaryMessage(message)).toEqual({
      kind: BinaryKind.FileChunk,
      number: 0x01020304,
      payload: Uint8Array.of(0xaa, 0xbb),
    });
  });

  it('reads a message inside a larger buffer without copying (a Node Buffer slice)', () => {
    const pool = Buffer.from([9, 9, 0x03, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xd8, 9]);
    const decoded = decodeBinaryMessage(pool.subarray(2, 9));
    expect(decoded.kind).toBe(BinaryKind.ScreenFrame);
    expect(decoded.number).toBe(0xfffffffe);
    expect([...decoded.payload]).toEqual([0xff, 0xd8]);
    expect(decoded.payload.buffer).toBe(pool.buffer);
  });

  it('accepts an empty payload and refuses short messages and unknown kinds', () => {
    expect(decodeBinaryMessage(Uint8Array.of(2, 0, 0, 0, 7)).payload.length).toBe(0);
    for (let length = 0; length < 5; length++)
      expect(() => decodeBinaryMessage(new Uint8Array(length).fill(1))).toThrow(BinaryMessageError);
    expect(() => decodeBinaryMessage(Uint8Array.of(0x7f, 0, 0, 0, 1))).toThrow(
      'binary kind 0x7f is unknown',
    );
  });

  it('carries the media kinds 0x04-0x08; tabs send only their own', () => {
    const pcm = new Uint8Array(new Int16Array([1, -2, 32767]).buffer);
    const mic = encodeBinaryMessage(BinaryKind.MicFrame, 7, pcm);
    expect([...mic.subarray(0, 5)]).toEqual([0x04, 0, 0, 0, 7]);
    expect(new Int16Array(decodeBinaryMessage(mic).payload.slice().buffer)).toEqual(
      new Int16Array([1, -2, 32767]),
    );
    for (const kind of [0x05, 0x06, 0x07, 0x08])
      expect(decodeBinaryMessage(Uint8Array.of(kind, 0, 0, 0, 1)).kind).toBe(kind);
    expect(decodeBinaryMessage(Uint8Array.of(0x05, 0, 0, 0, 1)).kind).toBe(BinaryKind.MixFrame);
    expect([...TAB_BINARY_KINDS].sort()).toEqual([0x01, 0x04, 0x06, 0x08]);
    expect(() => decodeBinaryMessage(Uint8Array.of(0x09, 0, 0, 0, 1))).toThrow(BinaryMessageError);
  });

  it('starts a VIDEO_FRAME with the sender’s participant id (16 bytes), then the JPEG', () => {
    const id = '6f1c0a2e-55aa-4b3c-9d8e-0123456789ab';
    const sender = participantIdToUuidBytes(id);
    expect(sender.length).toBe(16);
    expect(sender[0]).toBe(0x6f);
    const payload = new Uint8Array([...sender, 0xff, 0xd8]);
    const decoded = decodeBinaryMessage(encodeBinaryMessage(BinaryKind.VideoFrame, 3, payload));
    expect(readVideoFrameSender(decoded.payload)).toBe(id);
    expect([...decoded.payload.subarray(16)]).toEqual([0xff, 0xd8]);
    expect(() => readVideoFrameSender(Uint8Array.of(1, 2))).toThrow(BinaryMessageError);
    expect(() => participantIdToUuidBytes('nobody')).toThrow(BinaryMessageError);
  });
});
