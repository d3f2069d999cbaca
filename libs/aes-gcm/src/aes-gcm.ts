import { createCipheriv, createDecipheriv, createSecretKey, KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const AES_GCM_KEY_BYTES = 16;
export const AES_GCM_NONCE_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;
const CIPHER = 'aes-128-gcm';

/**
 * One AES-128-GCM key, set up once and used for many messages. Both directions write into a
 * buffer the caller gives, so a caller that frames the result (a datagram's header before the
 * ciphertext) allocates once.
 */
export interface AesGcmKey {
  /** Encrypts `plain` with `nonce` (12 bytes), authenticating `aad` too; writes the ciphertext
   * then the 16-byte tag into `out` from `offset` (room for plain.length + 16 bytes). */
  seal(nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array, out: Uint8Array, offset: number): void;
  /** Whether `sealed` (ciphertext then tag) is authentic under `nonce` and `aad`; when it is,
   * its plaintext is in `out` from `offset` (room for sealed.length - 16 bytes). Never throws
   * for a forged or damaged message. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array, offset: number): boolean;
}

/** The binding's functions (native/aes-gcm.c). */
interface Binding {
  createKey(raw: Uint8Array): object;
  seal(key: object, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array, out: Uint8Array, offset: number): void;
  open(key: object, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array, offset: number): boolean;
}

/** Which implementation createAesGcmKey uses, and why when it is not OpenSSL's binding. */
export interface AesGcmImplementation {
  name: 'openssl' | 'node:crypto';
  /** Why the binding is not in use (not built: no C compiler where it was built). */
  reason?: string;
}

function loadBinding(): { binding: Binding | null; reason?: string } {
  // From dist/ (built) and from src/ (tests run the sources) alike.
  const path = join(__dirname, '..', 'dist', 'aes-gcm.node');
  try {
    return { binding: createRequire(__filename)(path) as Binding };
  } catch (error) {
    return { binding: null, reason: `${path} did not load: ${(error as Error).message}` };
  }
}

const loaded = loadBinding();

export const aesGcmImplementation: AesGcmImplementation =
  loaded.binding === null ? { name: 'node:crypto', reason: loaded.reason } : { name: 'openssl' };

function checkKey(raw: Uint8Array): void {
  if (raw.length !== AES_GCM_KEY_BYTES)
    throw new RangeError(`an AES-128-GCM key is ${AES_GCM_KEY_BYTES} bytes, not ${raw.length}`);
}

/** A key for OpenSSL's AES-128-GCM through the binding; throws when the binding is not built. */
export function opensslAesGcmKey(raw: Uint8Array): AesGcmKey {
  checkKey(raw);
  const binding = loaded.binding;
  if (binding === null) throw new Error(`the AES-GCM binding is not built (${loaded.reason})`);
  const key = binding.createKey(raw);
  return {
    seal: (nonce, aad, plain, out, offset) => binding.seal(key, nonce, aad, plain, out, offset),
    open: (nonce, aad, sealed, out, offset) => binding.open(key, nonce, aad, sealed, out, offset),
  };
}

/** A key for node:crypto's AES-128-GCM: a cipher object and new buffers per message. */
export function nodeCryptoAesGcmKey(raw: Uint8Array): AesGcmKey {
  checkKey(raw);
  const key: KeyObject = createSecretKey(raw);
  const options = { authTagLength: AES_GCM_TAG_BYTES };
  return {
    seal(nonce, aad, plain, out, offset) {
      if (offset < 0 || out.length - offset < plain.length + AES_GCM_TAG_BYTES)
        throw new RangeError('the output has no room for the ciphertext and tag');
      const cipher = createCipheriv(CIPHER, key, nonce, options);
      cipher.setAAD(aad);
      const encrypted = cipher.update(plain);
      cipher.final();
      out.set(encrypted, offset);
      out.set(cipher.getAuthTag(), offset + encrypted.length);
    },
    open(nonce, aad, sealed, out, offset) {
      if (sealed.length < AES_GCM_TAG_BYTES) return false;
      const tagAt = sealed.length - AES_GCM_TAG_BYTES;
      try {
        const decipher = createDecipheriv(CIPHER, key, nonce, options);
        decipher.setAAD(aad);
        decipher.setAuthTag(sealed.subarray(tagAt));
        const plain = decipher.update(sealed.subarray(0, tagAt));
        decipher.final();
        out.set(plain, offset);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** A key for the fastest implementation here: OpenSSL's through the binding when it is built. */
export function createAesGcmKey(raw: Uint8Array): AesGcmKey {
  return loaded.binding === null ? nodeCryptoAesGcmKey(raw) : opensslAesGcmKey(raw);
}
