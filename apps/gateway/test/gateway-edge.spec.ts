import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import {
  BinaryKind,
  encodeBinaryMessage,
  GATEWAY_FILE_CHUNK_BYTES,
  GATEWAY_JSON_MAX_BYTES,
  ParticipantsEvent,
} from '@sapora/protocol';
import { GatewayTab, GatewayTabError, ServiceStack, waitFor } from '@sapora/testing';

const names = (event: ParticipantsEvent): string[] => event.participants.map((p) => p.name).sort();

/** The gateway as it runs (built, its own process) in front of real control, files and screen. */
describe('gateway edge: bad messages and vanished tabs', () => {
  const stack = new ServiceStack();
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-gateway-edge-'));
    // Control's own idle timeout is far away: whoever leaves within seconds was removed by the gateway.
    await stack.start(['control', 'files', 'screen', 'gateway'], {
      FILES_DIR: join(dir, 'files'),
      GATEWAY_TLS_DIR: join(dir, 'tls'),
      GATEWAY_SPOOL_DIR: join(dir, 'spool'),
      IDLE_TIMEOUT_MS: '60000',
    });
    url = `https://127.0.0.1:${stack.ports.get('gateway')}/`;
    // Four services and Redis, one after another: as long as the other suites' stacks allow.
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with the node options every launcher gives it (apps/gateway/node-options)', () => {
    const options = readFileSync(join(__dirname, '..', 'node-options'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('--'));
    expect(options).toContain('--initial-old-space-size=256');
    const commandLine = readFileSync(`/proc/${stack.pids.get('gateway')}/cmdline`, 'utf8').split(
      '\0',
    );
    for (const option of options) expect(commandLine).toContain(option);
  });

  it('answers every malformed message with an error on that socket and keeps serving everyone', async () => {
    const ann = await GatewayTab.open(url);
    const bob = await GatewayTab.open(url);
    await ann.join('Ann', 'edge');
    await bob.join('Bob', 'edge');

    const errorAfter = async (
      send: () => void,
    ): Promise<{ code: string; message: string; field?: string; id?: number }> => {
      const next = ann.upcoming((e) => e.type === 'error');
      send();
      return (await next) as { code: string; message: string };
    };
    const raw = (data: string | Buffer) => () => ann.socket.send(data);

    expect(await errorAfter(raw('{"type":'))).toMatchObject({
      code: 'InvalidMessage',
      message: expect.stringContaining('not JSON'),
    });
    expect(await errorAfter(raw('[]'))).toMatchObject({ code: 'InvalidMessage' });
    expect(await errorAfter(raw('{"type":"explode","id":9}'))).toMatchObject({
      id: 9,
      code: 'InvalidMessage',
      message: expect.stringContaining('unknown command type "explode"'),
    });
    expect(await errorAfter(raw('{"type":"chat","id":10,"to":"all"}'))).toMatchObject({
      id: 10,
      code: 'InvalidMessage',
      message: expect.stringMatching(/^chat: .*text must be 1 to 4096 characters/),
      field: 'text',
    });
    expect(
      await errorAfter(raw('{"type":"chat","id":11,"to":"all","text":"hi","shout":true}')),
    ).toMatchObject({
      id: 11,
      message: expect.stringContaining('property shout should not exist'),
    });
    expect(
      await errorAfter(raw('{"type":"file-fetch","id":12,"fileId":"../../etc/passwd"}')),
    ).toMatchObject({
      id: 12,
      message: 'file-fetch: fileId must be a file id (a UUID)',
    });
    expect(await errorAfter(raw('{"type":"join","id":13,"name":"Ann again"}'))).toMatchObject({
      id: 13,
      code: 'AlreadyJoined',
    });
    expect(await errorAfter(raw(Buffer.from([0x01, 0x00])))).toMatchObject({
      message: expect.stringContaining('at least 5 bytes'),
    });
    expect(await errorAfter(raw(Buffer.from([0x7f, 0, 0, 0, 1, 2])))).toMatchObject({
      message: 'binary kind 0x7f is unknown',
    });
    expect(await errorAfter(raw(Buffer.from([0x01, 0, 0, 0, 99, 2])))).toMatchObject({
      code: 'UnknownTransfer',
    });
    expect(await errorAfter(raw(Buffer.alloc(300 * 1024, 1)))).toMatchObject({
      code: 'MessageTooLarge',
    });
    const oversized = JSON.stringify({
      type: 'chat',
      to: 'all',
      text: 'x'.repeat(GATEWAY_JSON_MAX_BYTES),
    });
    expect(await errorAfter(raw(oversized))).toMatchObject({ code: 'MessageTooLarge' });

    // Ann's socket is still good, and so is everyone else's.
    await expect(
      ann.request({ type: 'chat', to: 'all', text: 'still here' }, 'delivery'),
    ).resolves.toMatchObject({
      state: 'delivered',
      recipients: 1,
    });
    await bob.next((e) => e.type === 'chat' && e.message.text === 'still here');

    // Past the hard cap, ws itself refuses the message and ends that socket (1009), nobody else's.
    ann.socket.send(Buffer.alloc(3 * 1024 * 1024));
    expect((await ann.closed).code).toBe(1009);
    const left = await bob.next(
      (e): e is ParticipantsEvent => e.type === 'participants' && names(e).join() === 'Bob',
    );
    expect(names(left)).toEqual(['Bob']);
    await expect(
      bob.request({ type: 'chat', to: 'all', text: 'alone now' }, 'delivery'),
    ).resolves.toMatchObject({
      state: 'nobody-else',
    });
    const cy = await GatewayTab.open(url);
    await expect(cy.join('Cy', 'edge')).resolves.toMatchObject({ name: 'Cy' });
    await expect(cy.join('Cy', 'edge')).rejects.toBeInstanceOf(GatewayTabError);
    bob.close();
    cy.close();
  }, 60_000);

  it('carries a file from one tab to another, MD5-checked, and keeps reading the sender afterwards', async () => {
    const sender = await GatewayTab.open(url);
    const receiver = await GatewayTab.open(url);
    await sender.join('Fay', 'files');
    await receiver.join('Gil', 'files');
    // Large enough that the spool file pushes back and the gateway pauses reading the socket.
    const bytes = randomBytes(6 * 1024 * 1024 + 123);
    const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
    const { transfer } = await sender.request(
      { type: 'file-offer', name: '../report.bin', size: bytes.length, to: 'gil' },
      'transfer',
    );
    for (let at = 0; at < bytes.length; at += GATEWAY_FILE_CHUNK_BYTES)
      sender.socket.send(
        encodeBinaryMessage(
          BinaryKind.FileChunk,
          transfer,
          bytes.subarray(at, at + GATEWAY_FILE_CHUNK_BYTES),
        ),
      );
    const sent = await sender.next(
      (e) => e.type === 'file-sent' && e.transfer === transfer,
      30_000,
    );
    expect(sent).toMatchObject({ md5: md5(bytes), recipients: 1 });
    await expect(
      sender.request({ type: 'chat', to: 'all', text: 'did it arrive?' }, 'delivery'),
    ).resolves.toMatchObject({
      state: 'delivered',
    });

    const notice = await receiver.next('file');
    expect(notice.file).toMatchObject({
      name: 'report.bin',
      size: bytes.length,
      sender: 'Fay',
      private: true,
    });
    const fetch = await receiver.request(
      { type: 'file-fetch', fileId: notice.file.fileId },
      'transfer',
    );
    await receiver.next((e) => e.type === 'file-ready' && e.transfer === fetch.transfer);
    await receiver.next((e) => e.type === 'file-end' && e.transfer === fetch.transfer, 30_000);
    expect(md5(Buffer.concat(receiver.data.get(fetch.transfer) ?? []))).toBe(md5(bytes));
    expect(receiver.events.some((e) => e.type === 'file-progress' && e.stage === 'server')).toBe(
      true,
    );

    // More bytes than offered cancel the upload; a cancelled transfer is gone.
    const small = await sender.request(
      { type: 'file-offer', name: 'x', size: 3, to: 'all' },
      'transfer',
    );
    sender.socket.send(
      encodeBinaryMessage(BinaryKind.FileChunk, small.transfer, Buffer.from('four')),
    );
    await sender.next((e) => e.type === 'file-failed' && e.transfer === small.transfer);
    await expect(
      sender.request({ type: 'file-cancel', transfer: small.transfer }, 'transfer'),
    ).rejects.toMatchObject({
      code: 'UnknownTransfer',
    });
    sender.close();
    receiver.close();
  }, 60_000);

  it('runs a meeting from tabs: the host badge, raised hands, host actions and their refusals', async () => {
    const hana = await GatewayTab.open(url);
    const ivo = await GatewayTab.open(url);
    const joined = await hana.join('Hana', 'hosted');
    expect(await hana.next('room')).toMatchObject({ hostId: joined.participantId, locked: false });
    const ivoJoined = await ivo.join('Ivo', 'hosted');

    const raised = ivo.upcoming((e) => e.type === 'room' && e.raisedHands.length === 1);
    ivo.send({ type: 'hand', raised: true });
    expect(await raised).toMatchObject({ raisedHands: [ivoJoined.participantId] });

    await expect(
      ivo.request({ type: 'host-action', action: 'lock' }, 'host-action-done'),
    ).rejects.toMatchObject({
      code: 'NotAllowed',
      message: expect.stringContaining('only the host (Hana)'),
    });
    const muted = ivo.upcoming(
      (e) => e.type === 'room' && e.mutedBy[ivoJoined.participantId] === 'Hana',
    );
    await expect(
      hana.request(
        { type: 'host-action', action: 'mute', participantId: ivoJoined.participantId },
        'host-action-done',
      ),
    ).resolves.toMatchObject({ action: 'mute' });
    await muted;
    await hana.request({ type: 'host-action', action: 'lock' }, 'host-action-done');
    await ivo.next((e) => e.type === 'room' && e.locked);
    await ivo.next((e) => e.type === 'chat' && e.message.text === 'Hana muted Ivo');
    await expect(
      ivo.request({ type: 'host-action', action: 'explode' } as never, 'host-action-done'),
    ).rejects.toMatchObject({ code: 'InvalidMessage' });
    hana.close();
    ivo.close();
  });

  it('refuses a taken name (any letter case) with the field to show it beside', async () => {
    const first = await GatewayTab.open(url);
    await first.join('Dana', 'names');
    const second = await GatewayTab.open(url);
    const refused = await second.join('DANA', 'names').catch((error: GatewayTabError) => error);
    expect(refused).toMatchObject({ code: 'UsernameTaken', field: 'name' });
    expect((refused as Error).message).toMatch(/DANA|taken/i);
    first.close();
    second.close();
  }, 30_000);

  it('removes the participant of a tab that stops answering within one heartbeat, not at the idle timeout', async () => {
    const watcher = await GatewayTab.open(url);
    await watcher.join('Watcher', 'vanish');
    const ghost = await GatewayTab.open(url);
    await ghost.join('Ghost', 'vanish');
    await watcher.next((e) => e.type === 'participants' && e.participants.length === 2);
    // The tab's machine stops reading: no more pongs, and no close frame either.
    (ghost.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const started = Date.now();
    await watcher.upcoming(
      (e) => e.type === 'participants' && e.participants.every((p) => p.name !== 'Ghost'),
      20_000,
    );
    // One heartbeat (3 s) plus the ping period; control alone would have waited 60 s.
    expect(Date.now() - started).toBeLessThan(20_000);

    // A tab closed the ordinary way leaves at once.
    const brief = await GatewayTab.open(url);
    await brief.join('Brief', 'vanish');
    await watcher.next(
      (e) => e.type === 'participants' && e.participants.some((p) => p.name === 'Brief'),
    );
    brief.close();
    await watcher.upcoming(
      (e) => e.type === 'participants' && e.participants.every((p) => p.name !== 'Brief'),
    );
    await waitFor(() => /tab left/.test(stack.output('gateway')), {
      what: 'the gateway to log the leave',
    });
    watcher.close();
  }, 60_000);
});
