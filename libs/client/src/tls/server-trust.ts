import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { connect as connectPlain, Socket } from 'node:net';
import { dirname } from 'node:path';
import { connect as connectTls } from 'node:tls';

/**
 * Where a client remembers the TLS fingerprints of the servers it has trusted, keyed by the
 * "host:port" it connected to: a Session's control service (trust on first use, as SSH's
 * known_hosts). Its file and screen connections are held to the key control presented instead.
 */
export interface FingerprintStore {
  /** The fingerprint remembered for a server, if any. */
  get(server: string): Promise<string | undefined>;
  /** Remembers a server's fingerprint (its first connection). */
  set(server: string, fingerprint256: string): Promise<void>;
  /** Where it is kept, for people (named in the error about a changed key). */
  readonly location: string;
}

/** Fingerprints kept for the life of the process: what a client uses when given no store. */
export class MemoryFingerprintStore implements FingerprintStore {
  readonly #known = new Map<string, string>();
  /** "memory". */
  readonly location = 'memory';

  /** Starts with these fingerprints ("host:port" → fingerprint), if given. */
  constructor(known: Record<string, string> = {}) {
    for (const [server, fingerprint] of Object.entries(known))
      this.#known.set(server, normaliseFingerprint(fingerprint));
  }

  /** See FingerprintStore.get. */
  get(server: string): Promise<string | undefined> {
    return Promise.resolve(this.#known.get(server));
  }

  /** See FingerprintStore.set. */
  set(server: string, fingerprint256: string): Promise<void> {
    this.#known.set(server, normaliseFingerprint(fingerprint256));
    return Promise.resolve();
  }
}

/**
 * Fingerprints kept in a JSON file ({"host:port": "AB:CD:..."}), readable only by its owner:
 * the CLI keeps $SAPORA_HOME/known-servers.json.
 */
export class FileFingerprintStore implements FingerprintStore {
  /** The file's path. */
  readonly location: string;

  /** A store in this file (made on the first fingerprint remembered). */
  constructor(path: string) {
    this.location = path;
  }

  /** See FingerprintStore.get. */
  async get(server: string): Promise<string | undefined> {
    // People edit this file: a fingerprint written in lower case or without colons is the same.
    const kept = (await this.#read())[server];
    return kept === undefined ? undefined : normaliseFingerprint(kept);
  }

  /** See FingerprintStore.set. */
  async set(server: string, fingerprint256: string): Promise<void> {
    const known = await this.#read();
    known[server] = normaliseFingerprint(fingerprint256);
    await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
    // Written aside and renamed, so a crash never leaves half a file.
    await writeFile(`${this.location}.new`, `${JSON.stringify(known, null, 2)}\n`, {
      mode: 0o600,
    });
    await rename(`${this.location}.new`, this.location);
  }

  async #read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    return JSON.parse(text) as Record<string, string>;
  }
}

/** How a client trusts the servers it connects to. Every TCP connection of the SDK takes one. */
export interface ServerTrust {
  /**
   * Plain TCP, nothing encrypted: only for a server that allows it (SAPORA_ALLOW_PLAINTEXT=1);
   * anyone on the network can read and change the traffic, session token included.
   */
  insecure?: boolean;
  /**
   * The server's SHA-256 fingerprint, known beforehand (from the discovery announcement, or
   * read out by its operator): a server presenting another is refused from the first connection.
   */
  fingerprint256?: string;
  /** Where fingerprints are remembered between connections; a new MemoryFingerprintStore when absent. */
  store?: FingerprintStore;
  /** Called at each plain (insecure) connection, with "host:port" (the CLI prints a warning). */
  onInsecureConnection?: (server: string) => void;
}

/** A server presented a TLS key other than the one this client knows it by. */
export class ServerIdentityError extends Error {
  /**
   * @param server - "host:port" of the server.
   * @param expected - The fingerprint this client knows the server by.
   * @param presented - The fingerprint the server presented.
   * @param source - Where the expected fingerprint came from (a store's location, or "given").
   */
  constructor(
    readonly server: string,
    readonly expected: string,
    readonly presented: string,
    readonly source: string,
  ) {
    super(
      `the server at ${server} presented a different TLS key: its SHA-256 fingerprint is ${presented}, ` +
        `but this client knows it as ${expected} (${source}). Someone may be intercepting the ` +
        `connection; if the server's key was changed on purpose, check the new fingerprint with ` +
        `its operator and remove the old one${source === 'given' ? '' : ` from ${source}`}`,
    );
    this.name = 'ServerIdentityError';
  }
}

/** Upper-case hex pairs separated by colons, as Node and browsers show SHA-256 fingerprints. */
export function normaliseFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();
  if (hex.length !== 64) throw new Error(`"${fingerprint}" is not a SHA-256 fingerprint`);
  return hex.match(/../g)?.join(':') ?? hex;
}

/**
 * Opens a TCP connection to a Sapora service: TLS with the server's key checked against what
 * `trust` knows (remembered on first use), or plain TCP when `trust.insecure`. Rejects with a
 * readable message when the server cannot be reached, or with a ServerIdentityError. The
 * fingerprint is remembered under "host:port".
 */
export async function openServerSocket(
  host: string,
  port: number,
  timeoutMs: number,
  trust: ServerTrust,
): Promise<Socket> {
  const where = `${host}:${port}`;
  if (trust.insecure === true) {
    const socket = await connected(connectPlain({ host, port }), 'connect', where, timeoutMs);
    trust.onInsecureConnection?.(where);
    return socket;
  }
  const given = trust.fingerprint256;
  const expected =
    given !== undefined ? normaliseFingerprint(given) : await trust.store?.get(where);
  // The certificate is self-signed: what authenticates the server is its pinned fingerprint.
  const socket = await connected(
    connectTls({ host, port, rejectUnauthorized: false, servername: '' }),
    'secureConnect',
    where,
    timeoutMs,
  );
  const presented = socket.getPeerCertificate().fingerprint256;
  if (expected === undefined) {
    await trust.store?.set(where, presented);
  } else if (presented !== expected) {
    socket.destroy();
    throw new ServerIdentityError(
      where,
      expected,
      presented,
      given !== undefined ? 'given' : (trust.store?.location ?? 'memory'),
    );
  }
  return socket;
}

function connected<S extends Socket>(
  socket: S,
  event: 'connect' | 'secureConnect',
  where: string,
  timeoutMs: number,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`cannot reach ${where}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const reason =
        error.code === 'ECONNREFUSED'
          ? 'connection refused'
          : event === 'secureConnect' && error.code === 'ECONNRESET'
            ? 'the connection was closed during the TLS handshake (a server without TLS?)'
            : error.message;
      reject(new Error(`cannot reach ${where}: ${reason}`));
    });
  });
}
