import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode,
  FileTransferClient,
  MemoryFingerprintStore,
  SaporaError,
  ServerIdentityError,
  ServerTrust,
  Session,
} from '@sapora/client';
import { RedisKeys } from '@sapora/coordination';
import { FILES_TO_CLIENT_LIMITS, MessageType } from '@sapora/protocol';
import { CuttingTcpProxy, RawFramedClient, ServiceStack, waitFor } from '@sapora/testing';
import Redis from 'ioredis';
import { startControl } from './support/control-harness';

/**
 * What someone watching the LAN sees of a meeting: every byte between the clients and the
 * control and file services passes through recording relays, and is searched for the chat
 * text, the file's bytes and the session tokens. The same meeting over plain TCP (allowed by
 * the server, asked for by the client) shows all of them: the search finds clear text when
 * there is some.
 */
describe('encryption in transit: TLS on the TCP services', () => {
  const stack = new ServiceStack();
  let work: string;
  let redis: Redis;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sapora-tls-'));
    await stack.start(['control', 'files'], {
      FILES_DIR: join(work, 'storage'),
      // Plain TCP allowed too, for the comparison; TLS clients are unaffected.
      SAPORA_ALLOW_PLAINTEXT: '1',
    });
    redis = new Redis(stack.redisUrl);
  }, 60_000);

  afterAll(async () => {
    redis.disconnect();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  });

  interface Seen {
    wire: Buffer;
    secrets: { what: string; bytes: Buffer }[];
  }

  /** Two people chat and send a file through recording relays; returns the wire and the secrets. */
  async function meeting(trust: () => ServerTrust): Promise<Seen> {
    const control = await CuttingTcpProxy.start(stack.ports.get('control')!, { record: true });
    const files = await CuttingTcpProxy.start(stack.ports.get('files')!, { record: true });
    const meetingId = `wire-${randomUUID().slice(0, 8)}`;
    const enter = async (username: string): Promise<Session> => {
      const session = new Session({
        host: '127.0.0.1',
        port: control.port,
        username,
        meetingId,
        trust: trust(),
      });
      await session.connect();
      return session;
    };
    const alice = await enter('alice');
    const bob = await enter('bob');
    const heard: string[] = [];
    bob.on('chat', (message) => heard.push(message.text));
    const text = `the launch code is ${randomUUID()}`;
    await alice.sendChat('all', text);
    await waitFor(() => heard.includes(text), { what: 'bob to read the chat' });

    const content = randomBytes(256 * 1024);
    const source = join(work, `${meetingId}.bin`);
    writeFileSync(source, content);
    const to = { host: '127.0.0.1', port: files.port };
    const done = await new FileTransferClient({ session: alice, ...to }).upload(source, 'bob');
    const saved = join(work, `${meetingId}-got.bin`);
    await new FileTransferClient({ session: bob, ...to }).download(done.fileId, saved);
    expect(readFileSync(saved).equals(content)).toBe(true);

    const tokens = [alice.sessionToken, bob.sessionToken].filter((t) => t !== undefined);
    await Promise.all([alice.leave(), bob.leave()]);
    const wire = Buffer.concat([control.recorded, files.recorded]);
    await Promise.all([control.close(), files.close()]);
    expect(wire.length).toBeGreaterThan(content.length);
    return {
      wire,
      secrets: [
        { what: 'chat text', bytes: Buffer.from(text) },
        // Any 32-byte stretch of the file: its start, its middle, its end.
        { what: 'file start', bytes: content.subarray(0, 32) },
        { what: 'file middle', bytes: content.subarray(128 * 1024, 128 * 1024 + 32) },
        { what: 'file end', bytes: content.subarray(content.length - 32) },
        ...tokens.map((token, i) => ({ what: `session token ${i + 1}`, bytes: token })),
      ],
    };
  }

  const inClear = ({ wire, secrets }: Seen): string[] =>
    secrets.filter((secret) => wire.includes(secret.bytes)).map((secret) => secret.what);

  it('shows none of the chat, the file or the session tokens on the wire', async () => {
    const seen = await meeting(() => ({}));
    expect(seen.secrets).toHaveLength(6);
    expect(inClear(seen)).toEqual([]);
  });

  it('gives media datagrams a token of their own: copied off the LAN, it resumes nothing and opens no file', async () => {
    const meetingId = `media-${randomUUID().slice(0, 8)}`;
    const alice = new Session({
      host: '127.0.0.1',
      port: stack.ports.get('control')!,
      username: 'alice',
      meetingId,
    });
    const info = await alice.connect();
    // What every audio and video datagram of hers carries in clear (PROTOCOL.md section 7).
    const sniffed = info.mediaToken;
    expect(sniffed).toHaveLength(16);
    expect(sniffed.equals(info.sessionToken)).toBe(false);

    const control = await RawFramedClient.connect(stack.ports.get('control')!);
    control.send(MessageType.Register, { username: 'alice', meetingId, resumeToken: sniffed });
    expect(await control.next(MessageType.Error)).toMatchObject({
      code: ErrorCode.SessionExpired,
    });
    const files = await RawFramedClient.connect(stack.ports.get('files')!, FILES_TO_CLIENT_LIMITS);
    files.send(MessageType.FileFetch, { sessionToken: sniffed, fileId: 'x' });
    expect(await files.next(MessageType.Error)).toMatchObject({ code: ErrorCode.SessionExpired });
    // Her own session token is still what it was: the file service knows her (no such file).
    files.send(MessageType.FileFetch, { sessionToken: info.sessionToken, fileId: 'x' });
    expect(await files.next(MessageType.Error)).toMatchObject({ code: ErrorCode.NoSuchFile });
    control.socket.destroy();
    files.socket.destroy();
    await alice.leave();
  });

  it('over plain TCP (allowed by the server) shows all of them, and the client is told each time', async () => {
    const warnings: string[] = [];
    const seen = await meeting(() => ({
      insecure: true,
      onInsecureConnection: (server) => warnings.push(server),
    }));
    expect(inClear(seen)).toEqual(seen.secrets.map((secret) => secret.what));
    // Two joins and two file connections, each warned about.
    expect(warnings.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses plain TCP where it is not allowed, with TLS_REQUIRED', async () => {
    const strict = await startControl(stack.redisUrl);
    try {
      const session = new Session({
        host: '127.0.0.1',
        port: strict.port,
        username: 'plain',
        trust: { insecure: true },
        reconnect: false,
      });
      const error = (await session.connect().catch((e: unknown) => e)) as SaporaError;
      expect(error).toBeInstanceOf(SaporaError);
      expect(error.code).toBe(ErrorCode.TlsRequired);
      expect(error.message).toContain('SAPORA_ALLOW_PLAINTEXT');
    } finally {
      await strict.stop();
    }
  });

  it('refuses a server whose key changed since the client first trusted it, naming both keys', async () => {
    const control = await startControl(stack.redisUrl);
    const store = new MemoryFingerprintStore();
    const server = `127.0.0.1:${control.port}`;
    try {
      const first = new Session({
        host: '127.0.0.1',
        port: control.port,
        username: 'pia',
        trust: { store },
      });
      await first.connect();
      const known = await store.get(server);
      expect(known).toBe(first.fingerprint256);
      await first.leave();

      // The deployment's key is lost and made anew (or someone else answers on that address).
      await redis.del(RedisKeys.tlsIdentity);
      await control.restart();
      const again = new Session({
        host: '127.0.0.1',
        port: control.port,
        username: 'pia',
        trust: { store },
        reconnect: false,
      });
      const error = (await again.connect().catch((e: unknown) => e)) as ServerIdentityError;
      expect(error).toBeInstanceOf(ServerIdentityError);
      expect(error.expected).toBe(known);
      expect(error.presented).not.toBe(known);
      expect(error.message).toContain(`the server at ${server} presented a different TLS key`);
      expect(error.message).toContain(`${error.presented}, but this client knows it as ${known}`);
      expect(await store.get(server)).toBe(known);
    } finally {
      await control.stop();
    }
  });
});
