import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MeetingsClient } from '@sapora/client';
import { runNode, ServiceStack, waitFor } from '@sapora/testing';

const CLI = join(__dirname, '..', 'dist', 'main.js');

/** The login step of `sapora join` without --meeting: the schedule, a choice, reminders. */
describe('sapora join and the meeting schedule', () => {
  const stack = new ServiceStack();
  let meetings: MeetingsClient;

  beforeAll(async () => {
    await stack.start(['control'], { MEETING_REMINDER_LEAD_MS: '1500' });
    meetings = await MeetingsClient.connect({
      host: '127.0.0.1',
      port: stack.ports.get('control')!,
    });
    await meetings.create({
      meetingId: 'retro',
      title: 'Sprint retro',
      startsAt: new Date(Date.now() + 60 * 60_000).toISOString(),
      durationMinutes: 45,
      username: 'Ann',
    });
  }, 60_000);

  afterAll(async () => {
    meetings.close();
    await stack.stop();
  });

  it('shows the schedule to a script and joins the default room', async () => {
    const cli = runNode(CLI, ['join', '--server', stack.server, '--name', 'Bot']);
    await waitFor(() => cli.output().includes('Joined "default"'), { what: 'the join' });
    expect(cli.output()).toMatch(
      /Scheduled meetings on this server:\n {2}1\. "retro" \(Sprint retro\)/,
    );
    expect(cli.output()).toContain('No --meeting given: joining the default room.');
    cli.child.stdin?.write('/quit\n');
    expect(await cli.exited).toBe(0);
  });

  it('lets a person at a terminal pick the meeting to join', async () => {
    // `script` gives the CLI a real terminal, as a person running it has.
    const command = `${process.execPath} ${CLI} join --server ${stack.server} --name Pia`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor(() => output.includes('Join which (1-1, Enter for the default room)?'), {
      what: 'the prompt',
    });
    child.stdin.write('1\r');
    await waitFor(() => output.includes('Joined "retro"'), {
      what: 'the join of the chosen meeting',
    });
    child.stdin.write('/quit\r');
    expect(await exited).toBe(0);
  });

  it('prints the reminders of a meeting that is about to start', async () => {
    const cli = runNode(CLI, ['join', '--server', stack.server, '--name', 'Cal', '--meeting', 'x']);
    await waitFor(() => cli.output().includes('Joined "x"'), { what: 'the join' });
    await meetings.create({
      meetingId: 'soon',
      title: 'Quick sync',
      startsAt: new Date(Date.now() + 3_000).toISOString(),
      durationMinutes: 5,
      username: 'Ann',
    });
    await waitFor(
      () => cli.output().includes('meeting "Quick sync" (--meeting soon) starts in 1 min'),
      {
        what: 'the "soon" reminder',
      },
    );
    await waitFor(() => cli.output().includes('meeting "Quick sync" (--meeting soon) starts now'), {
      what: 'the "starting" reminder',
    });
    cli.child.stdin?.write('/quit\n');
    expect(await cli.exited).toBe(0);
  });
});
