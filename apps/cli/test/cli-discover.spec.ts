import { join } from 'node:path';
import { freePort, NodeProcess, runNode, ServiceStack, waitFor } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');
const DISCOVERY = join(__dirname, '..', '..', 'discovery', 'dist', 'main.js');

describe('sapora discover, and join without --server', () => {
  const stack = new ServiceStack();
  /** The fingerprint control logged at start. */
  const loggedFingerprint = (): string => {
    const match = /"fingerprint256":"([0-9A-F:]{95})"/.exec(stack.output('control'));
    if (match === null) throw new Error('control logged no fingerprint');
    return match[1];
  };
  let announcer: NodeProcess;
  let discoveryPort: number;

  beforeAll(async () => {
    await stack.start(['control']);
    discoveryPort = await freePort();
    // The built discovery service, announcing this stack's control service on loopback.
    announcer = runNode(DISCOVERY, [], {
      NODE_ENV: 'production',
      SERVER_NAME: 'Test Lab',
      DISCOVERY_PORT: String(discoveryPort),
      DISCOVERY_INTERVAL_MS: '300',
      DISCOVERY_BROADCAST: '127.0.0.1',
      CONTROL_PUBLIC_HOST: '127.0.0.1',
      CONTROL_PUBLIC_PORT: String(stack.ports.get('control')),
    });
    await waitFor(() => announcer.output().includes('discovery announcing'), {
      what: 'the announcer to start',
    });
  }, 60_000);

  afterAll(async () => {
    announcer.child.kill('SIGTERM');
    await announcer.exited;
    await stack.stop();
  });

  it('lists the server with the address to give --server', async () => {
    const found = runNode(CLI, [
      'discover',
      '--timeout',
      '1',
      '--discovery-port',
      String(discoveryPort),
    ]);
    expect(await found.exited).toBe(0);
    expect(found.output()).toContain(
      `Test Lab  --server 127.0.0.1:${stack.ports.get('control')}  (from 127.0.0.1, protocol 1)`,
    );
    // The key the announcement carries is the one control presents (and logged at start).
    expect(found.output()).toContain(`TLS key SHA-256 ${loggedFingerprint()}`);
  });

  it('joins the one server it finds when no --server is given', async () => {
    const joined = runNode(CLI, [
      'join',
      '--name',
      'Zed',
      '--meeting',
      'found',
      '--discovery-port',
      String(discoveryPort),
    ]);
    // Generous: on a loaded CI machine, starting node and listening take a while.
    await waitFor(() => joined.output().includes('Joined "found"'), {
      what: 'the join',
      timeoutMs: 20_000,
    });
    expect(joined.output()).toContain(
      `Found "Test Lab" at 127.0.0.1:${stack.ports.get('control')}`,
    );
    joined.child.stdin?.write('/quit\n');
    expect(await joined.exited).toBe(0);
  }, 30_000);

  it('says so when nothing answers', async () => {
    const silent = runNode(CLI, [
      'discover',
      '--timeout',
      '0.5',
      '--discovery-port',
      String(await freePort()),
    ]);
    expect(await silent.exited).toBe(1);
    expect(silent.output()).toContain('no Sapora server announced itself within 0.5 s');
  });

  it('refuses a discovered server whose key is not the one announced, from the first connection', async () => {
    // An announcement naming this control with another key: what a forged one would say.
    const forged = Array(32).fill('0F').join(':');
    const port = await freePort();
    const liar = runNode(DISCOVERY, [], {
      NODE_ENV: 'production',
      SERVER_NAME: 'Liar',
      DISCOVERY_PORT: String(port),
      DISCOVERY_INTERVAL_MS: '300',
      DISCOVERY_BROADCAST: '127.0.0.1',
      CONTROL_PUBLIC_HOST: '127.0.0.1',
      CONTROL_PUBLIC_PORT: String(stack.ports.get('control')),
      CONTROL_FINGERPRINT: forged,
    });
    try {
      const joined = runNode(CLI, [
        'join',
        '--name',
        'Yan',
        '--meeting',
        'found',
        '--discovery-port',
        String(port),
      ]);
      expect(await joined.exited).toBe(1);
      expect(joined.output()).toContain(
        `presented a different TLS key: its SHA-256 fingerprint is ${loggedFingerprint()}, but this client knows it as ${forged} (given)`,
      );
    } finally {
      liar.child.kill('SIGTERM');
      await liar.exited;
    }
  }, 30_000);
});
