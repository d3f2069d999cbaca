import { join } from 'node:path';
import { freePort, GatewayTab, NodeProcess, runNode, ServiceStack, waitFor } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');
const DISCOVERY = join(__dirname, '..', '..', 'discovery', 'dist', 'main.js');

/** `sapora app`: a gateway on 127.0.0.1 that hears LAN announcements and offers those servers. */
describe('sapora app', () => {
  const stack = new ServiceStack();
  let announcer: NodeProcess;
  let discoveryPort: number;

  beforeAll(async () => {
    await stack.start(['control']);
    discoveryPort = await freePort();
    announcer = runNode(DISCOVERY, [], {
      NODE_ENV: 'production',
      SERVER_NAME: 'Lab Server',
      DISCOVERY_PORT: String(discoveryPort),
      DISCOVERY_INTERVAL_MS: '300',
      DISCOVERY_BROADCAST: '127.0.0.1',
      CONTROL_PUBLIC_HOST: '127.0.0.1',
      CONTROL_PUBLIC_PORT: String(stack.ports.get('control')),
    });
    await waitFor(() => announcer.output().includes('discovery announcing'), {
      timeoutMs: 15_000,
      what: 'the announcer to start',
    });
  }, 30_000);

  afterAll(async () => {
    announcer.child.kill('SIGTERM');
    await announcer.exited;
    await stack.stop();
  });

  it('serves the page over http on 127.0.0.1, lists the servers it hears, and joins one', async () => {
    const port = await freePort();
    const app = runNode(CLI, [
      'app',
      '--no-open',
      '--port',
      String(port),
      '--discovery-port',
      String(discoveryPort),
    ]);
    const control = `127.0.0.1:${stack.ports.get('control')}`;
    await waitFor(() => app.output().includes(`Sapora is open at http://127.0.0.1:${port}/`), {
      timeoutMs: 15_000,
      what: 'the app to start',
    });
    await waitFor(() => app.output().includes(`Found "Lab Server" at ${control}`), {
      timeoutMs: 15_000,
      what: 'the server to be heard',
    });

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');

    const tab = await GatewayTab.open(`http://127.0.0.1:${port}/`);
    const welcome = await tab.next('welcome');
    expect(welcome).toMatchObject({ anyServer: true, server: null });
    const servers =
      welcome.servers.length > 0 ? welcome.servers : (await tab.next('servers')).servers;
    expect(servers).toEqual([{ address: control, name: 'Lab Server', source: 'discovered' }]);
    await expect(tab.join('Una', 'app', { server: control })).resolves.toMatchObject({
      server: control,
      name: 'Una',
    });
    tab.close();

    app.child.kill('SIGINT');
    expect(await app.exited).toBe(0);
  }, 40_000);
});
