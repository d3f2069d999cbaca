/** Default ports of the services (the seed's). Every one is configuration. */
export const DEFAULT_PORTS = {
  control: 5000,
  discovery: 5001,
  files: 5002,
  screen: 5003,
  video: 6000,
  audio: 6001,
  /** HTTPS + WebSocket for browser tabs (the gateway is each tab's client). */
  gateway: 5555,
} as const;

export type ServiceKind = keyof typeof DEFAULT_PORTS;

/** The services a room is placed on, one node of each per room; their endpoints come in JoinReply. */
export const MEDIA_KINDS = ['audio', 'video', 'screen', 'files'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export function isMediaKind(value: string): value is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(value);
}
