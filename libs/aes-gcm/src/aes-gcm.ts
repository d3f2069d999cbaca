import { createCipheriv, createDecipheriv, createSecretKey, KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const AES_GCM_KEY_BYTES = 16;
export const AES_GCM_NONCE_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;
const CIPHER = 'aes-128-gcm';

/**
 * One AES-128-GCM key, set up once and used for many messages. A message is framed as a
 * sealed datagram is: additional data (authenticated, not encrypted) whose last 12 bytes are
 * the nonce, then the ciphertext, then the 16-byte tag. The caller writes the additional data
 * into the message and seal() the rest, so a datagram is one buffer, allocated once.
 */
export interface AesGcmKey {
  /** Encrypts `plain` into `message` after its first `aadLength` bytes (the additional data,
   * ending with the nonce), and the tag after that; `message` is exactly that long. `plain` may
   * be those very bytes of `message` (sealed in place). */
  seal(message: Uint8Array, aadLength: number, plain: Uint8Array): void;
  /** Whether `message` is authentic. Its ciphertext is decrypted where it lies: the plaintext
   * when it is, garbage when not. Never throws for a forged or damaged message. */
  open(message: Uint8Array, aadLength: number): boolean;
}

/** The binding's functions (native/aes-gcm.c). */
interface Binding {
  createKey(raw: Uint8Array): object;
  seal(key: object, message: Uint8Array, aadLength: number, plain: Uint8Array): void;
  open(key: object, message: Uint8Array, aadLength: number): boolean;
}

/** Which implementation createAesGcmKey uses, and why when it is not OpenSSL's binding. */
export interface AesGcmImplementation {
  name: 'openssl' | 'node:crypto';
  /** Why the binding is not in use (not built: no C compiler where it was built). */
  reason?: string;
}

function loadBinding(): { binding: Binding | null; reason?: string } {
  try {
    // From dist/ (built) and from src/ (tests run the sources) alike. Code bundled elsewhere
    // (the client SDK) finds no binding there, or no __dirname at all, and uses node:crypto.
    const path = join(__dirname, '..', 'dist', 'aes-gcm.node');
    return { binding: createRequire(__filename)(path) as Binding };
  } catch (error) {
    return { binding: null, reason: `the binding did not load: ${(error as Error).message}` };
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
    seal: (message, aadLength, plain) => binding.seal(key, message, aadLength, plain),
    open: (message, aadLength) => binding.open(key, message, aadLength),
  };
}

/** A key for node:crypto's AES-128-GCM: a cipher object and new buffers per message. */
export function nodeCryptoAesGcmKey(raw: Uint8Array): AesGcmKey {
  checkKey(raw);
  const key: KeyObject = createSecretKey(raw);
  const options = { authTagLength: AES_GCM_TAG_BYTES };
  const parts = (message: Uint8Array, aadLength: number) => {
    if (aadLength < AES_GCM_NONCE_BYTES || aadLength > message.length)
      throw new RangeError(
        'the additional data (ending with the 12-byte nonce) does not fit the message',
      );
    return {
      aad: message.subarray(0, aadLength),
      nonce: message.subarray(aadLength - AES_GCM_NONCE_BYTES, aadLength),
    };
  };
  return {
    seal(message, aadLength, plain) {
      const { aad, nonce } = parts(message, aadLength);
      if (message.length - aadLength !== plain.length + AES_GCM_TAG_BYTES)
        throw new RangeError(
          'the message is not as long as its additional data, ciphertext and tag',
        );
      const cipher = createCipheriv(CIPHER, key, nonce, options);
      cipher.setAAD(aad);
      const encrypted = cipher.update(plain);
      cipher.final();
      message.set(encrypted, aadLength);
      message.set(cipher.getAuthTag(), aadLength + encrypted.length);
    },
    open(message, aadLength) {
      const { aad, nonce } = parts(message, aadLength);
      const tagAt = message.length - AES_GCM_TAG_BYTES;
      if (tagAt < aadLength) return false;
      try {
        const decipher = createDecipheriv(CIPHER, key, nonce, options);
        decipher.setAAD(aad);
        decipher.setAuthTag(message.subarray(tagAt));
        const plain = decipher.update(message.subarray(aadLength, tagAt));
        decipher.final();
        message.set(plain, aadLength);
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
