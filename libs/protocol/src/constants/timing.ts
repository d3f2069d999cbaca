/** How often a client renews its session. */
export const HEARTBEAT_INTERVAL_MS = 3_000;
/** A session with no heartbeat for this long ends everywhere. */
export const IDLE_TIMEOUT_MS = 15_000;
/** Discovery announcements are broadcast this often... */
export const DISCOVERY_INTERVAL_MS = 5_000;
/** ...and a server not heard for this long is dropped from a listener's list. */
export const DISCOVERY_EXPIRY_MS = 15_000;
/** A frame whose bytes stop arriving half way is abandoned after this long. */
export const INCOMPLETE_FRAME_TIMEOUT_MS = 10_000;
