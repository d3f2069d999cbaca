import { createCipheriv, randomBytes } from 'node:crypto';
import {
  AesGcmKey,
  aesGcmImplementation,
  createAesGcmKey,
  nodeCryptoAesGcmKey,
  opensslAesGcmKey,
} from './aes-gcm';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');

// The key, nonce and plaintext of test case 4 of the GCM specification (McGrew and Viega), in
// a message framed as seal() frames it: 28 bytes of header and the nonce are the additional data.
const KEY = hex('feffe9928665731c6d6a8f9467308308');
const NONCE = hex('cafebabefacedbaddecaf888');
const HEADER = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2feedfacedeadbeef');
const PLAIN = hex(
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
    '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
);
const AAD = Buffer.concat([HEADER, NONCE]);

/** The framed message as node:crypto's own AES-128-GCM makes it, computed here on its own. */
function reference(key: Buffer, aad: Buffer, plain: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-128-gcm', key, aad.subarray(aad.length - 12));
  cipher.setAAD(aad);
  return Buffer.concat([aad, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function framed(aad: Buffer, plainLength: number): Buffer {
  const message = Buffer.alloc(aad.length + plainLength + 16, 0xee);
  aad.copy(message);
  return message;
}

/** What lies between a framed message's additional data and its tag. */
function text(message: Buffer, aadLength: number): Buffer {
  return message.subarray(aadLength, message.length - 16);
}

const implementations: [string, (raw: Uint8Array) => AesGcmKey][] = [
  ['openssl', opensslAesGcmKey],
  ['node:crypto', nodeCryptoAesGcmKey],
];

describe('AES-128-GCM', () => {
  it("uses the OpenSSL binding here (built by this library's build with the C compiler)", () => {
    expect(aesGcmImplementation).toEqual({ name: 'openssl' });
  });

  describe.each(implementations)('%s', (_name, makeKey) => {
    it('seals to the bytes node:crypto gives for the same key, nonce and data, and opens them', () => {
      const key = makeKey(KEY);
      const message = framed(AAD, PLAIN.length);
      key.seal(message, AAD.length, PLAIN);
      expect(message.toString('hex')).toBe(reference(KEY, AAD, PLAIN).toString('hex'));
      expect(key.open(message, AAD.length)).toBe(true);
      expect(text(message, AAD.length).equals(PLAIN)).toBe(true);
    });

    it('seals in place, the message its own plaintext', () => {
      const key = makeKey(KEY);
      const message = framed(AAD, PLAIN.length);
      PLAIN.copy(message, AAD.length);
      key.seal(message, AAD.length, message.subarray(AAD.length, AAD.length + PLAIN.length));
      expect(message.equals(reference(KEY, AAD, PLAIN))).toBe(true);
      expect(key.open(message, AAD.length)).toBe(true);
      expect(text(message, AAD.length).equals(PLAIN)).toBe(true);
    });

    it('refuses a message with any bit of header, nonce, ciphertext or tag changed', () => {
      const key = makeKey(KEY);
      // Opened in place: each attempt on a copy of its own.
      const sealed = (): Buffer => reference(KEY, AAD, PLAIN);
      for (const at of [0, HEADER.length, AAD.length - 1, AAD.length, sealed().length - 1]) {
        const changed = sealed();
        changed[at] ^= 0x01;
        expect(key.open(changed, AAD.length)).toBe(false);
      }
      expect(makeKey(randomBytes(16)).open(sealed(), AAD.length)).toBe(false);
      expect(key.open(sealed().subarray(0, AAD.length + 15), AAD.length)).toBe(false);
      expect(key.open(sealed(), AAD.length)).toBe(true);
    });

    it('refuses a key of the wrong size, a message of the wrong length and a nonce that is not there', () => {
      expect(() => makeKey(randomBytes(15))).toThrow(/16 bytes, not 15/);
      const key = makeKey(KEY);
      expect(() => key.seal(framed(AAD, PLAIN.length - 1), AAD.length, PLAIN)).toThrow(
        /not as long as its additional data, ciphertext and tag/,
      );
      expect(() => key.seal(framed(AAD, PLAIN.length), 11, PLAIN)).toThrow(/12-byte nonce/);
    });
  });

  it("gives the same bytes through both, and each opens the other's, from empty to 16 KB", () => {
    const raw = randomBytes(16);
    const openssl = opensslAesGcmKey(raw);
    const node = nodeCryptoAesGcmKey(raw);
    for (const size of [0, 1, 15, 16, 17, 1_024, 1_200, 16_320]) {
      const aad = randomBytes(40);
      const plain = randomBytes(size);
      const fromOpenssl = framed(aad, size);
      const fromNode = framed(aad, size);
      openssl.seal(fromOpenssl, aad.length, plain);
      node.seal(fromNode, aad.length, plain);
      expect(fromOpenssl.equals(fromNode)).toBe(true);
      expect(openssl.open(fromNode, aad.length)).toBe(true);
      expect(text(fromNode, aad.length).equals(plain)).toBe(true);
      expect(node.open(fromOpenssl, aad.length)).toBe(true);
      expect(text(fromOpenssl, aad.length).equals(plain)).toBe(true);
    }
  });

  it('keeps a key usable for many messages in turn, a forged one among them', () => {
    const key = createAesGcmKey(KEY);
    for (let i = 0; i < 100; i++) {
      const aad = randomBytes(40);
      const plain = randomBytes(100 + i);
      const message = framed(aad, plain.length);
      key.seal(message, aad.length, plain);
      expect(message.equals(reference(KEY, aad, plain))).toBe(true);
      const forged = framed(aad, plain.length);
      expect(key.open(forged, aad.length)).toBe(false);
      expect(key.open(message, aad.length)).toBe(true);
      expect(text(message, aad.length).equals(plain)).toBe(true);
    }
  });
});
