import { randomBytes } from 'node:crypto';
import {
  AesGcmKey,
  aesGcmImplementation,
  createAesGcmKey,
  nodeCryptoAesGcmKey,
  opensslAesGcmKey,
} from './aes-gcm';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');

// Test case 4 of the GCM specification (McGrew and Viega): AES-128, 96-bit IV, with AAD.
const KNOWN = {
  key: hex('feffe9928665731c6d6a8f9467308308'),
  nonce: hex('cafebabefacedbaddecaf888'),
  aad: hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
  plain: hex(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
      '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  ),
  sealed: hex(
    '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
      '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
      '5bc94fbc3221a5db94fae95ae7121a47',
  ),
};

const implementations: [string, (raw: Uint8Array) => AesGcmKey][] = [
  ['openssl', opensslAesGcmKey],
  ['node:crypto', nodeCryptoAesGcmKey],
];

describe('AES-128-GCM', () => {
  it('uses the OpenSSL binding here (built by this library\'s build with the C compiler)', () => {
    expect(aesGcmImplementation).toEqual({ name: 'openssl' });
  });

  describe.each(implementations)('%s', (_name, makeKey) => {
    it('seals the specification\'s test case to its ciphertext and tag, and opens it', () => {
      const key = makeKey(KNOWN.key);
      const out = Buffer.alloc(4 + KNOWN.sealed.length, 0xee);
      key.seal(KNOWN.nonce, KNOWN.aad, KNOWN.plain, out, 4);
      expect(out.subarray(4).toString('hex')).toBe(KNOWN.sealed.toString('hex'));
      expect(out.subarray(0, 4).toString('hex')).toBe('eeeeeeee');
      const plain = Buffer.alloc(KNOWN.plain.length + 2);
      expect(key.open(KNOWN.nonce, KNOWN.aad, KNOWN.sealed, plain, 2)).toBe(true);
      expect(plain.subarray(2).equals(KNOWN.plain)).toBe(true);
    });

    it('refuses a message with any bit of ciphertext, tag, additional data or nonce changed', () => {
      const key = makeKey(KNOWN.key);
      const out = Buffer.alloc(KNOWN.plain.length);
      const flipped = (bytes: Buffer, at: number): Buffer => {
        const copy = Buffer.from(bytes);
        copy[at] ^= 0x01;
        return copy;
      };
      expect(key.open(KNOWN.nonce, KNOWN.aad, flipped(KNOWN.sealed, 0), out, 0)).toBe(false);
      const tagByte = KNOWN.sealed.length - 1;
      expect(key.open(KNOWN.nonce, KNOWN.aad, flipped(KNOWN.sealed, tagByte), out, 0)).toBe(false);
      expect(key.open(KNOWN.nonce, flipped(KNOWN.aad, 3), KNOWN.sealed, out, 0)).toBe(false);
      expect(key.open(flipped(KNOWN.nonce, 11), KNOWN.aad, KNOWN.sealed, out, 0)).toBe(false);
      expect(makeKey(randomBytes(16)).open(KNOWN.nonce, KNOWN.aad, KNOWN.sealed, out, 0)).toBe(false);
      expect(key.open(KNOWN.nonce, KNOWN.aad, KNOWN.sealed.subarray(0, 15), out, 0)).toBe(false);
    });

    it('refuses a key of the wrong size and an output with no room', () => {
      expect(() => makeKey(randomBytes(15))).toThrow(/16 bytes, not 15/);
      const key = makeKey(KNOWN.key);
      const short = Buffer.alloc(KNOWN.sealed.length - 1);
      expect(() => key.seal(KNOWN.nonce, KNOWN.aad, KNOWN.plain, short, 0)).toThrow(/no room for the ciphertext and tag/);
    });
  });

  it('gives the same bytes through both, and each opens the other\'s, from empty to 16 KB', () => {
    const raw = randomBytes(16);
    const openssl = opensslAesGcmKey(raw);
    const node = nodeCryptoAesGcmKey(raw);
    for (const size of [0, 1, 15, 16, 17, 1_024, 1_200, 16_320]) {
      const nonce = randomBytes(12);
      const aad = randomBytes(40);
      const plain = randomBytes(size);
      const fromOpenssl = Buffer.alloc(size + 16);
      const fromNode = Buffer.alloc(size + 16);
      openssl.seal(nonce, aad, plain, fromOpenssl, 0);
      node.seal(nonce, aad, plain, fromNode, 0);
      expect(fromOpenssl.equals(fromNode)).toBe(true);
      const back = Buffer.alloc(size);
      expect(openssl.open(nonce, aad, fromNode, back, 0)).toBe(true);
      expect(back.equals(plain)).toBe(true);
      back.fill(0);
      expect(node.open(nonce, aad, fromOpenssl, back, 0)).toBe(true);
      expect(back.equals(plain)).toBe(true);
    }
  });

  it('keeps a key usable for many messages in turn (the nonce is all that changes)', () => {
    const key = createAesGcmKey(KNOWN.key);
    const reference = nodeCryptoAesGcmKey(KNOWN.key);
    for (let i = 0; i < 100; i++) {
      const nonce = randomBytes(12);
      const plain = randomBytes(100 + i);
      const sealed = Buffer.alloc(plain.length + 16);
      key.seal(nonce, KNOWN.aad, plain, sealed, 0);
      const back = Buffer.alloc(plain.length);
      // A forged message in between leaves the key as it was for the next.
      expect(key.open(nonce, KNOWN.aad, Buffer.alloc(sealed.length), back, 0)).toBe(false);
      expect(reference.open(nonce, KNOWN.aad, sealed, back, 0)).toBe(true);
      expect(back.equals(plain)).toBe(true);
    }
  });
});
