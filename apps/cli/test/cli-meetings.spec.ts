import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode, ServiceStack } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');

/** `sapora meetings` against the built control service, from two "machines" (two SAPORA_HOMEs). */
describe('sapora meetings', () => {
  const stack = new ServiceStack();
  let server: string;
  let annHome: string;
  let benHome: string;

  beforeAll(async () => {
    await stack.start(['control']);
    server = stack.server;
    annHome = await mkdtemp(join(tmpdir(), 'sapora-ann-'));
    benHome = await mkdtemp(join(tmpdir(), 'sapora-ben-'));
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    await rm(annHome, { recursive: true, force: true });
    await rm(benHome, { recursive: true, force: true });
  });

  /** Runs the CLI in UTC (so local times are predictable) with the given home. */
  async function sapora(
    home: string,
    ...args: string[]
  ): Promise<{ code: number | null; out: string }> {
    const cli = runNode(CLI, ['meetings', ...args], { SAPORA_HOME: home, TZ: 'UTC' });
    const code = await cli.exited;
    return { code, out: cli.output() };
  }

  it('adds, lists, edits and removes a meeting; another machine may only look', async () => {
    const year = new Date().getUTCFullYear() + 1;
    const added = await sapora(
      annHome,
      'add',
      '--server',
      server,
      '--id',
      'planning',
      '--title',
      'Quarterly planning',
      '--at',
      `${year}-03-02T10:00+01:00`,
      '--duration',
      '90',
      '--name',
      'Ann',
    );
    expect(added).toEqual({
      code: 0,
      out: expect.stringContaining(`Scheduled "planning" (Quarterly planning): `),
    });
    expect(added.out).toContain(
      `${year}-03-02 09:00 local time (${year}-03-02T10:00:00+01:00), 90 min`,
    );
    expect(added.out).toContain(join(annHome, 'meetings.json'));
    expect((await stat(join(annHome, 'meetings.json'))).mode & 0o777).toBe(0o600);

    const listed = await sapora(benHome, 'list', '--server', server);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(
      new RegExp(
        `^  \\w{3} ${year}-03-02 09:00  90 min  planning  Quarterly planning  \\(by Ann\\)$`,
        'm',
      ),
    );
    expect((await sapora(annHome, 'list', '--server', server)).out).toMatch(/\(by Ann\) \[yours\]/);

    const refused = await sapora(
      benHome,
      'edit',
      'planning',
      '--server',
      server,
      '--title',
      'Mine',
    );
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(
      'only Ann, who scheduled "planning", can change it (the owner token does not match); no owner token for "planning"',
    );

    const edited = await sapora(
      annHome,
      'edit',
      'planning',
      '--server',
      server,
      '--at',
      `${year}-03-02T11:30Z`,
      '--duration',
      '60',
    );
    expect(edited.code).toBe(0);
    expect(edited.out).toContain(`Changed "planning" (Quarterly planning): `);
    expect(edited.out).toContain(
      `${year}-03-02 11:30 local time (${year}-03-02T11:30:00Z), 60 min`,
    );

    const json = await sapora(benHome, 'list', '--server', server, '--json');
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({ meetingId: 'planning', startsAt: `${year}-03-02T11:30:00Z` }),
    ]);

    expect(await sapora(benHome, 'rm', 'planning', '--server', server)).toMatchObject({ code: 1 });
    expect(await sapora(annHome, 'rm', 'planning', '--server', server)).toEqual({
      code: 0,
      out: 'Deleted "planning".\n',
    });
    expect((await sapora(benHome, 'list', '--server', server)).out).toBe(
      'No meetings scheduled.\n',
    );
  }, 30_000);

  it('explains bad times, unknown meetings and usage mistakes', async () => {
    const noOffset = await sapora(
      annHome,
      'add',
      '--server',
      server,
      '--id',
      'x',
      '--title',
      'X',
      '--at',
      '2030-01-01T10:00',
      '--duration',
      '30',
      '--name',
      'Ann',
    );
    expect(noOffset.code).toBe(1);
    expect(noOffset.out).toContain(
      'sapora: starts_at "2030-01-01T10:00" is not an ISO 8601 time with an offset',
    );

    const missing = await sapora(annHome, 'rm', 'ghost', '--server', server);
    expect(missing).toEqual({ code: 1, out: 'sapora: no meeting "ghost" is scheduled\n' });

    const usage = await sapora(annHome, 'edit', 'x', '--server', server);
    expect(usage.code).toBe(64);
    expect(usage.out).toContain('nothing to change: give --title, --at or --duration');
    const duration = await sapora(annHome, 'edit', 'x', '--server', server, '--duration', '1h');
    expect(duration.code).toBe(64);
    expect(duration.out).toContain('--duration "1h" is not whole minutes');
    expect((await sapora(annHome, 'list')).out).toContain('--server is required');
  }, 30_000);
});
