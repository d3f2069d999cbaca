import { createHash } from 'node:crypto';

/**
 * The 16 bytes (hex) media datagrams carry for a session: the first half of SHA-256 of its
 * session token. Datagrams cross the LAN in clear; the session token, which resumes the session
 * and opens files and screens, never does. Sessions are kept in Redis under this key, so a
 * media service finds a datagram's session with one lookup and control finds it from a token.
 */
export function mediaTokenOf(sessionTokenHex: string): string {
  return createHash('sha256')
    .update(Buffer.from(sessionTokenHex, 'hex'))
    .digest()
    .subarray(0, 16)
    .toString('hex');
}
