/** The meeting a blank meeting id joins. */
export const DEFAULT_MEETING_ID = 'default';
export const USERNAME_MAX_LENGTH = 32;
export const MEETING_ID_MAX_LENGTH = 64;
export const PASSCODE_MAX_LENGTH = 128;
/** Chat text limit, in bytes of UTF-8. */
export const CHAT_TEXT_MAX_BYTES = 4096;
/** Messages kept per room (private ones included, shown only to their two ends). */
export const CHAT_HISTORY_LENGTH = 200;
/** Session tokens are this many random bytes (128 bits). */
export const SESSION_TOKEN_BYTES = 16;
/** Chat rate limit: a burst of this many, refilled at CHAT_RATE_PER_SECOND. */
export const CHAT_BURST = 20;
export const CHAT_RATE_PER_SECOND = 10;
