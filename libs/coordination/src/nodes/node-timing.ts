/** A media node renews its registration and its rooms' leases this often... */
export const NODE_RENEW_MS = 2_000;
/** ...its registration lapses this long after the last renewal: it is gone, never chosen... */
export const NODE_STALE_MS = 6_000;
/**
 * ...and a room's lease this long after: two missed renewals. A lapsed lease moves the room
 * before the node's record expires, so a killed node's rooms move within a few seconds.
 */
export const PLACEMENT_LEASE_MS = 4_000;
/** How often control looks for rooms whose lease lapsed or whose node drains. */
export const PLACEMENT_WATCH_MS = 250;
