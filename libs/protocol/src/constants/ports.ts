/** Default ports of the services (the seed's). Every one is configuration. */
export const DEFAULT_PORTS = {
  control: 5000,
  discovery: 5001,
  files: 5002,
  screen: 5003,
  video: 6000,
  audio: 6001,
} as const;

export type ServiceKind = keyof typeof DEFAULT_PORTS;
