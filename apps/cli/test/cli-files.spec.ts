import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode, waitFor, ServiceStack } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');

describe('sapora send and sapora receive', () => {
  const stack = new ServiceStack();
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sapora-cli-files-'));
    await stack.start(['control', 'files'], { FILES_DIR: join(dir, 'server-storage') });
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a file privately and the receiver saves it, checked, under a safe name', async () => {
    const into = join(dir, 'inbox');
    mkdirSync(into);
    const common = [
      '--server',
      stack.server,
      '--meeting',
      'share',
      '--files-port',
      String(stack.ports.get('files')),
    ];
    const receiver = runNode(CLI, [
      'receive',
      ...common,
      '--name',
      'Robin',
      '--into',
      into,
      '--count',
      '1',
    ]);
    await waitFor(
      async () => {
        const users = runNode(CLI, [
          'users',
          '--server',
          stack.server,
          '--meeting',
          'share',
          '--name',
          'probe',
          '--json',
        ]);
        await users.exited;
        return users.output().includes('"Robin"');
      },
      { timeoutMs: 10_000, what: 'Robin to be in the room' },
    );
    const source = join(dir, 'minutes.bin');
    const bytes = randomBytes(300_000);
    writeFileSync(source, bytes);
    const sender = runNode(CLI, ['send', ...common, '--name', 'Sam', '--to', 'ROBIN', source]);
    expect(await sender.exited).toBe(0);
    expect(sender.output()).toMatch(
      /sent .*minutes\.bin \(0\.3 MB, md5 [0-9a-f]{32}\) to 1 recipient\(s\): file id [0-9a-f-]{36}/,
    );
    expect(sender.output()).toMatch(/sending .*minutes\.bin: 100%/);

    expect(await receiver.exited).toBe(0);
    expect(receiver.output()).toMatch(
      /saved .*minutes\.bin \(0\.3 MB from Sam, md5 [0-9a-f]{32} checked\)/,
    );
    expect(readdirSync(into)).toEqual(['minutes.bin']);
    const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
    expect(md5(readFileSync(join(into, 'minutes.bin')))).toBe(md5(bytes));
  }, 30_000);

  it('explains what went wrong', async () => {
    const common = [
      '--server',
      stack.server,
      '--meeting',
      'lonely',
      '--files-port',
      String(stack.ports.get('files')),
    ];
    const source = join(dir, 'note.txt');
    writeFileSync(source, 'hello?');
    const alone = runNode(CLI, ['send', ...common, '--name', 'Solo', source]);
    expect(await alone.exited).toBe(1);
    expect(alone.output()).toMatch(/sapora: nobody else is in the meeting/);
    const missing = runNode(CLI, ['send', ...common, '--name', 'Solo', join(dir, 'nope.txt')]);
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toMatch(/sapora: no such file/);
  });
});
