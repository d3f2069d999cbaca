import { randomBytes } from 'node:crypto';
import { TokenMap } from './token-map';

describe('TokenMap', () => {
  it('finds a token from the bytes of a datagram that carries it, without copying them', () => {
    const map = new TokenMap<string>();
    const token = randomBytes(16);
    map.set(token, 'alice');
    const datagram = Buffer.concat([Buffer.alloc(4), token, Buffer.from('body')]);
    expect(map.get(datagram, 4)).toBe('alice');
    expect(map.get(token)).toBe('alice');
    datagram[19] ^= 1;
    expect(map.get(datagram, 4)).toBeUndefined();
  });

  it('keeps tokens that share their first four bytes apart', () => {
    const map = new TokenMap<number>();
    const a = Buffer.alloc(16, 1);
    const b = Buffer.alloc(16, 1);
    b[15] = 2;
    map.set(a, 1);
    map.set(b, 2);
    map.set(a, 3);
    expect(map.size).toBe(2);
    expect([map.get(a), map.get(b)]).toEqual([3, 2]);
    expect(map.delete(a)).toBe(3);
    expect([map.get(a), map.get(b), map.size]).toEqual([undefined, 2, 1]);
    expect(map.delete(a)).toBeUndefined();
  });

  it('holds its own copy of a token, so a reused receive buffer cannot change a key', () => {
    const map = new TokenMap<string>();
    const buffer = randomBytes(16);
    const original = Buffer.from(buffer);
    map.set(buffer, 'kept');
    buffer.fill(0);
    expect(map.get(original)).toBe('kept');
  });

  it('refuses a token of the wrong length', () => {
    expect(() => new TokenMap<string>().set(Buffer.alloc(8), 'x')).toThrow(/16 bytes, not 8/);
  });
});
