import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORTS } from '@sapora/protocol';
import { parse } from 'yaml';

// docker-compose.media.yml checked as data: starting it needs a second host (its services
// register in another host's Redis under that host's address), which the end-to-end compose
// test does not have. The multi-host behaviour itself is tested with network namespaces
// (apps/control/test/scale-out.spec.ts); this checks the file asks for the same things.
const ROOT = join(__dirname, '..', '..', '..');
const MEDIA = ['audio', 'video', 'screen', 'files'] as const;
const UDP = new Set(['audio', 'video']);

interface ComposeService {
  image?: string;
  build?: { context: string };
  pull_policy?: string;
  environment: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: unknown;
  stop_grace_period?: string;
  depends_on?: unknown;
}
interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const load = (file: string): ComposeFile =>
  parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as ComposeFile;

/** The settings a service reads: its config class and the shared one. */
function settingsOf(app: string): string {
  const configDir = join(ROOT, 'apps', app, 'src', 'config');
  return [
    readFileSync(join(configDir, `${app}-config.ts`), 'utf8'),
    readFileSync(join(ROOT, 'libs', 'service-kit', 'src', 'config', 'common-config.ts'), 'utf8'),
  ].join('\n');
}

describe('docker-compose.media.yml (an extra media host)', () => {
  const media = load('docker-compose.media.yml');
  const main = load('docker-compose.yml');

  it('runs audio, video, screen and files, and nothing that exists once per deployment', () => {
    expect(Object.keys(media.services).sort()).toEqual([...MEDIA].sort());
    // Its own project name, so it never touches a one-server stack on the same engine.
    expect(media.name).not.toBe(main.name);
  });

  it.each(MEDIA)('%s: the image, the server’s Redis and this host’s address, required', (app) => {
    const service = media.services[app];
    expect(service.image).toBe(main.services.control.image);
    expect(service.healthcheck).toEqual(main.services[app].healthcheck);
    expect(service.environment.APP).toBe(app);
    // No default: without them the services would register an address nobody can reach,
    // or a Redis of their own that no control instance reads.
    expect(service.environment.REDIS_URL).toMatch(/^\$\{REDIS_URL:\?.+\}$/);
    expect(service.environment.MEDIA_PUBLIC_HOST).toMatch(/^\$\{MEDIA_PUBLIC_HOST:\?.+\}$/);
    // Time to drain (rooms move away before the container stops).
    expect(parseInt(service.stop_grace_period ?? '0', 10)).toBeGreaterThanOrEqual(5);
    // Every variable is a setting the service reads.
    const settings = settingsOf(app);
    for (const name of Object.keys(service.environment).filter((key) => key !== 'APP'))
      expect(settings).toMatch(new RegExp(`\\b${name}\\??!?:`));
  });

  it.each(MEDIA)('%s: listens on its standard port and publishes it with its protocol', (app) => {
    const service = media.services[app];
    const port = DEFAULT_PORTS[app];
    const upper = app.toUpperCase();
    expect(service.environment[`${upper}_HOST`]).toBe('0.0.0.0');
    expect(service.environment[`${upper}_PORT`]).toBe(String(port));
    const protocol = UDP.has(app) ? 'udp' : 'tcp';
    // Audio and video: their workers' ports too (worker 0 is on the standard port).
    const workers = service.environment[`${upper}_WORKER_PORTS`];
    expect(service.ports).toEqual([
      `${port}:${port}/${protocol}`,
      ...(UDP.has(app) ? [`${workers}:${workers}/udp`] : []),
    ]);
    // The same container port as on the main server.
    expect(main.services[app].ports?.[0]).toMatch(new RegExp(`:${port}/${protocol}$`));
  });

  it('builds the image once, and keeps the files on a volume', () => {
    const building = MEDIA.filter((app) => media.services[app].build !== undefined);
    expect(building).toEqual(['audio']);
    expect(media.services.audio.build).toEqual({ context: '.' });
    for (const app of MEDIA.filter((other) => other !== 'audio'))
      expect(media.services[app].pull_policy).toBe('never');
    const filesDir = media.services.files.environment.FILES_DIR;
    expect(media.services.files.volumes).toEqual([`files-data:${filesDir}`]);
    expect(Object.keys(media.volumes ?? {})).toEqual(['files-data']);
  });

  it('docker-compose.redis.yml publishes the main server’s Redis for the media hosts', () => {
    const override = load('docker-compose.redis.yml');
    expect(Object.keys(override.services)).toEqual(['redis']);
    expect(override.services.redis.ports).toEqual(['${SAPORA_REDIS_PORT:-6379}:6379/tcp']);
    // docker-compose.yml alone stays the one-server setup: Redis is not published.
    expect(main.services.redis.ports).toBeUndefined();
  });

  describe.each(['audio', 'video'] as const)('%s workers', (app) => {
    const upper = app.toUpperCase();
    const range = (text: string): number[] => {
      const [first, last] = text.split('-').map(Number);
      return Array.from({ length: last - first + 1 }, (_, i) => first + i);
    };
    const standard = new Set<number>(Object.values(DEFAULT_PORTS));

    it('has a range of worker ports in both files, clear of every standard port and of the other kind’s', () => {
      const other = app === 'audio' ? 'VIDEO' : 'AUDIO';
      for (const file of [main, media]) {
        const ports = range(file.services[app].environment[`${upper}_WORKER_PORTS`]);
        expect(ports.length).toBeGreaterThanOrEqual(1);
        for (const port of ports) expect(standard.has(port)).toBe(false);
        const others = new Set(
          range(
            file.services[app === 'audio' ? 'video' : 'audio'].environment[`${other}_WORKER_PORTS`],
          ),
        );
        expect(ports.filter((port) => others.has(port))).toEqual([]);
      }
      expect(media.services[app].environment[`${upper}_WORKER_PORTS`]).toBe(
        main.services[app].environment[`${upper}_WORKER_PORTS`],
      );
    });

    it('docker-compose.yml publishes the range (movable, like the standard port) and lets the count be set', () => {
      const service = main.services[app];
      const workers = service.environment[`${upper}_WORKER_PORTS`];
      expect(service.ports).toEqual([
        `\${SAPORA_${upper}_PORT:-${DEFAULT_PORTS[app]}}:${DEFAULT_PORTS[app]}/udp`,
        `\${SAPORA_${upper}_WORKER_PORTS:-${workers}}:${workers}/udp`,
      ]);
      // Unset: 0, one worker per core, as many as the range has ports for (not an empty
      // default: podman-compose 1.0.3 passes `${X:-}` through as those very characters).
      expect(service.environment[`${upper}_WORKERS`]).toBe(`\${SAPORA_${upper}_WORKERS:-0}`);
      const settings = settingsOf(app);
      for (const name of [`${upper}_WORKERS`, `${upper}_WORKER_PORTS`])
        expect(settings).toMatch(new RegExp(`\\b${name}\\??!?:`));
    });
  });
});
