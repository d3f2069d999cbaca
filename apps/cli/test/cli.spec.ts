import { freePort, runNode as run, waitFor, ServiceStack } from '@sapora/testing';
import { join } from 'node:path';

const CLI = join(__dirname, '..', 'dist', 'main.js');

/** The built CLI against the built control service, run as a person (or a script) would. */
describe('sapora CLI', () => {
  const stack = new ServiceStack();
  let server: string;

  beforeAll(async () => {
    await stack.start(['control']);
    server = stack.server;
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
  });

  it('chats from a script: join reads lines, listen prints them, send reports delivery', async () => {
    const listener = run(CLI, [
      'chat',
      'listen',
      '--server',
      server,
      '--name',
      'Bob',
      '--meeting',
      'cli',
      '--count',
      '3',
      '--json',
    ]);
    await waitFor(
      async () => {
        const users = run(CLI, [
          'users',
          '--server',
          server,
          '--name',
          'probe',
          '--meeting',
          'cli',
          '--json',
        ]);
        await users.exited;
        return users.output().includes('"Bob"');
      },
      { timeoutMs: 10_000, what: 'Bob to be in the room' },
    );

    const alice = run(CLI, ['join', '--server', server, '--name', 'Alice', '--meeting', 'cli']);
    await waitFor(() => alice.output().includes('Joined "cli"'), { what: 'Alice to join' });
    alice.child.stdin!.write('hello from a pipe\n/to BOB just for you\n/users\n/to nobody hi\n');
    await waitFor(() => alice.output().includes('no one called "nobody"'), {
      what: 'Alice to hear about nobody',
    });
    alice.child.stdin!.end();
    expect(await alice.exited).toBe(0);
    expect(alice.output()).toMatch(/Alice \(127\.0\.0\.1\) \[you\]/);
    expect(alice.output()).toMatch(/delivered to Bob/);

    const sent = run(CLI, [
      'chat',
      'send',
      '--server',
      server,
      '--name',
      'Carol',
      '--meeting',
      'cli',
      'third',
      'message',
    ]);
    expect(await sent.exited).toBe(0);
    expect(sent.output()).toMatch(/delivered to 1 other/);

    expect(await listener.exited).toBe(0);
    const lines = listener
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { from: string; text: string; private: boolean });
    expect(lines.map((m) => [m.from, m.text, m.private])).toEqual([
      ['Alice', 'hello from a pipe', false],
      ['Alice', 'just for you', true],
      ['Carol', 'third message', false],
    ]);
  }, 30_000);

  it('runs a meeting from the terminal: /users shows the host and hands, host commands, refusals', async () => {
    const args = (name: string) => ['join', '--server', server, '--name', name, '--meeting', 'run'];
    const hal = run(CLI, args('Hal'));
    await waitFor(() => hal.output().includes('Joined "run"'), { what: 'Hal to join' });
    const ivy = run(CLI, args('Ivy'));
    await waitFor(() => ivy.output().includes('Joined "run"'), { what: 'Ivy to join' });

    ivy.child.stdin!.write('/lock\n/hand\n');
    await waitFor(() => ivy.output().includes('! only the host (Hal) can lock the room'), {
      what: "Ivy's refusal",
    });
    await waitFor(
      async () => {
        hal.child.stdin!.write('/users\n');
        await new Promise((resolve) => setImmediate(resolve));
        return hal.output().includes('Ivy (127.0.0.1) [hand #1]');
      },
      { what: "Ivy's hand in Hal's /users", intervalMs: 200 },
    );
    expect(hal.output()).toContain('Hal (127.0.0.1) [you, host]');

    hal.child.stdin!.write('/mute ivy\n');
    await waitFor(() => / \* Hal muted Ivy/.test(ivy.output()), { what: 'the mute line' });
    hal.child.stdin!.write('/remove Ivy\n');
    expect(await ivy.exited).toBe(1);
    expect(ivy.output()).toContain('Disconnected: Hal removed you from the meeting');
    hal.child.stdin!.end();
    expect(await hal.exited).toBe(0);
  }, 30_000);

  it('exits 2 for a private message to nobody, and explains usage and connection errors', async () => {
    const nobody = run(CLI, [
      'chat',
      'send',
      '--server',
      server,
      '--name',
      'Dan',
      '--meeting',
      'cli',
      '--to',
      'ghost',
      'boo',
    ]);
    expect(await nobody.exited).toBe(2);
    expect(nobody.output()).toMatch(/no one called "ghost"/);

    const usage = run(CLI, ['chat', 'send', '--name', 'Dan', 'hi']);
    expect(await usage.exited).toBe(64);
    expect(usage.output()).toMatch(/--server is required/);

    const port = await freePort();
    const refused = run(CLI, ['users', '--server', `127.0.0.1:${port}`, '--name', 'Dan']);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(
      new RegExp(`sapora: cannot reach 127\\.0\\.0\\.1:${port}: connection refused`),
    );
  });

  it('refuses a taken name with a clear message', async () => {
    const first = run(CLI, ['join', '--server', server, '--name', 'Eve', '--meeting', 'names']);
    await waitFor(() => first.output().includes('Joined'), { what: 'Eve to join' });
    const second = run(CLI, ['users', '--server', server, '--name', 'EVE', '--meeting', 'names']);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/sapora: username "EVE" is already taken in meeting "names"/);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
  });
});
