import { DEFAULT_PORTS } from '@sapora/protocol';

export interface ServerAddress {
  host: string;
  port: number;
}

/** Parses HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; the port defaults to the control service's. */
export function parseServerAddress(text: string): ServerAddress {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(trimmed);
  const match = bracketed ?? plain;
  if (match === null) {
    // A bare IPv6 address has colons of its own and no port.
    if (trimmed.includes(':') && /^[0-9a-f:]+$/i.test(trimmed))
      return { host: trimmed, port: DEFAULT_PORTS.control };
    throw new Error(`"${text}" is not a server address (HOST or HOST:PORT)`);
  }
  const port = match[2] === undefined ? DEFAULT_PORTS.control : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`"${match[2]}" is not a port (1-65535)`);
  return { host: match[1], port };
}
