import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode as run, ServiceStack } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');

/** The CLI's TLS: server keys remembered in $SAPORA_HOME, a changed one refused, --insecure. */
describe('sapora CLI and TLS', () => {
  const strict = new ServiceStack();
  const lenient = new ServiceStack();

  beforeAll(async () => {
    await strict.start(['control']);
    await lenient.start(['control'], { SAPORA_ALLOW_PLAINTEXT: '1' });
  }, 90_000);

  afterAll(async () => {
    await strict.stop();
    await lenient.stop();
  });

  /** The fingerprint control logged at start. */
  const loggedFingerprint = (stack: ServiceStack): string => {
    const match = /"fingerprint256":"([0-9A-F:]{95})"/.exec(stack.output('control'));
    if (match === null) throw new Error('control logged no fingerprint');
    return match[1];
  };

  it('remembers the server key on first use and refuses a changed one, naming both', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sapora-cli-tls-'));
    const users = () =>
      run(CLI, ['users', '--server', strict.server, '--name', 'Tess'], { SAPORA_HOME: home });
    const first = users();
    expect(await first.exited).toBe(0);
    const file = join(home, 'known-servers.json');
    const known = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    const fingerprint = loggedFingerprint(strict);
    expect(known).toEqual({ [strict.server]: fingerprint });
    expect(await users().exited).toBe(0);

    const forged = Array(32).fill('0F').join(':');
    writeFileSync(file, JSON.stringify({ [strict.server]: forged }));
    const refused = users();
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(
      `the server at ${strict.server} presented a different TLS key: its SHA-256 fingerprint is ${fingerprint}, but this client knows it as ${forged} (${file})`,
    );
  });

  it('--insecure works only where the server allows plain TCP, and warns each time', async () => {
    const refused = run(CLI, ['users', '--server', strict.server, '--name', 'Ivo', '--insecure']);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('this server speaks TLS only');
    expect(refused.output()).toContain('SAPORA_ALLOW_PLAINTEXT=1');

    const plain = run(CLI, ['users', '--server', lenient.server, '--name', 'Ivo', '--insecure']);
    expect(await plain.exited).toBe(0);
    expect(plain.output()).toContain(
      `sapora: warning: connected to ${lenient.server} over plain TCP (--insecure)`,
    );
    // Without --insecure, the same server is reached over TLS, without a warning.
    const secure = run(CLI, ['users', '--server', lenient.server, '--name', 'Ivo']);
    expect(await secure.exited).toBe(0);
    expect(secure.output()).not.toContain('warning');
  });
});
