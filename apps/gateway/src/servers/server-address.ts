/** A service's address as host and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** A server address as people write it, e.g. "10.0.0.5", "sapora.lan:5000" or "[fe80::1]:5000". */
export class ServerAddressError extends Error {
  constructor(text: string, why: string) {
    super(`"${text}" is not a server address: ${why}`);
    this.name = 'ServerAddressError';
  }
}

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]+))(?::(\d{1,5}))?$/;

/** Reads "HOST[:PORT]"; a missing port is `defaultPort`. */
export function parseHostPort(text: string, defaultPort: number): HostPort {
  const match = HOST_PORT.exec(text.trim());
  if (match === null) throw new ServerAddressError(text, 'write HOST or HOST:PORT');
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (!(port >= 1 && port <= 65535)) throw new ServerAddressError(text, 'the port is 1 to 65535');
  return { host: match[1] ?? match[2], port };
}

/** "host:port", with brackets around an IPv6 host. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
