import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import {
  AddressInfo,
  createServer as createPlainServer,
  Server as PlainServer,
  Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, Server } from 'node:tls';
import { generate } from 'selfsigned';
import {
  FileFingerprintStore,
  MemoryFingerprintStore,
  normaliseFingerprint,
  openServerSocket,
  ServerIdentityError,
} from './server-trust';

type Pems = { private: string; cert: string; fingerprint: string };

const makeKey = async (name: string): Promise<Pems> => {
  const made = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  });
  return {
    private: made.private,
    cert: made.cert,
    fingerprint: new X509Certificate(made.cert).fingerprint256,
  };
};

describe('openServerSocket: TLS with trust on first use', () => {
  let first: Pems;
  let second: Pems;
  let server: Server | PlainServer;
  let port: number;
  const accepted = new Set<Socket>();

  /** A TLS server with `key` on `port` (the same port again after a restart with another key). */
  async function serve(key: Pems, onPort = 0): Promise<void> {
    server = createServer({ key: key.private, cert: key.cert }, (socket) => socket.end());
    server.listen(onPort, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    [first, second] = await Promise.all([makeKey('first'), makeKey('second')]);
  });

  afterEach(async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    // Whatever a client left open (a refused handshake's other end) goes too.
    accepted.forEach((socket) => socket.destroy());
    accepted.clear();
    await closed;
  });

  it('remembers the first key and refuses another at the same address, naming both', async () => {
    await serve(first);
    const store = new MemoryFingerprintStore();
    (await openServerSocket('127.0.0.1', port, 5_000, { store })).destroy();
    const presented = first.fingerprint;
    expect(await store.get(`127.0.0.1:${port}`)).toBe(presented);
    (await openServerSocket('127.0.0.1', port, 5_000, { store })).destroy();

    // The server comes back on the same port with another key: someone in the middle, say.
    await new Promise((resolve) => server.close(resolve));
    await serve(second, port);
    const refused = await openServerSocket('127.0.0.1', port, 5_000, { store }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ServerIdentityError);
    const error = refused as ServerIdentityError;
    expect(error.expected).toBe(presented);
    expect(error.presented).toBe(second.fingerprint);
    expect(error.message).toContain(
      `the server at 127.0.0.1:${port} presented a different TLS key`,
    );
    expect(error.message).toContain(error.presented);
    expect(error.message).toContain(presented);
    // The store still holds the first key: one refusal does not re-pin.
    expect(await store.get(`127.0.0.1:${port}`)).toBe(presented);
  });

  it('holds a server to a fingerprint given beforehand, from the first connection', async () => {
    await serve(first);
    const fingerprint = first.fingerprint;
    // Lower-case, no colons: the same fingerprint.
    const given = fingerprint.replace(/:/g, '').toLowerCase();
    (await openServerSocket('127.0.0.1', port, 5_000, { fingerprint256: given })).destroy();
    const other = Array(32).fill('AB').join(':');
    await expect(
      openServerSocket('127.0.0.1', port, 5_000, {
        fingerprint256: other,
        store: new MemoryFingerprintStore({ [`127.0.0.1:${port}`]: fingerprint }),
      }),
    ).rejects.toThrow(`but this client knows it as ${other} (given)`);
  });

  it('keeps fingerprints in a file only its owner can read', async () => {
    await serve(first);
    const dir = await mkdtemp(join(tmpdir(), 'sapora-known-'));
    const path = join(dir, 'nested', 'known-servers.json');
    (
      await openServerSocket('127.0.0.1', port, 5_000, { store: new FileFingerprintStore(path) })
    ).destroy();
    const kept = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
    expect(Object.keys(kept)).toEqual([`127.0.0.1:${port}`]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    // Another process (a new store on the same file) holds the server to it.
    const later = new FileFingerprintStore(path);
    await new Promise((resolve) => server.close(resolve));
    await serve(second, port);
    await expect(openServerSocket('127.0.0.1', port, 5_000, { store: later })).rejects.toThrow(
      `remove the old one from ${path}`,
    );
    await rm(dir, { recursive: true });
  });

  it('speaks plain TCP only when insecure, and says so each time', async () => {
    server = createPlainServer((socket) => {
      accepted.add(socket);
      socket.end('plain');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    const warned: string[] = [];
    const socket = await openServerSocket('127.0.0.1', port, 5_000, {
      insecure: true,
      onInsecureConnection: (where) => warned.push(where),
    });
    const [data] = (await once(socket, 'data')) as [Buffer];
    expect(data.toString()).toBe('plain');
    expect(warned).toEqual([`127.0.0.1:${port}`]);
    socket.destroy();
    // A TLS client does not fall back to plain TCP.
    await expect(openServerSocket('127.0.0.1', port, 5_000, {})).rejects.toThrow(
      `cannot reach 127.0.0.1:${port}`,
    );
  });
});

describe('normaliseFingerprint', () => {
  it('writes fingerprints one way', () => {
    expect(normaliseFingerprint('ab'.repeat(32))).toBe(Array(32).fill('AB').join(':'));
    expect(() => normaliseFingerprint('AB:CD')).toThrow('is not a SHA-256 fingerprint');
  });
});
