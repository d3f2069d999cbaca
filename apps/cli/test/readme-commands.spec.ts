import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Splits a command line as a POSIX shell would for the simple quoting READMEs use. */
function words(line: string): string[] {
  const found: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    found.push(match[1] ?? match[2] ?? match[3]);
  return found;
}

/**
 * Every `sapora` command the README shows: lines of its shell blocks, and inline code that is
 * a whole command (synopses with [optional] parts or a|b choices are not commands to run).
 */
function readmeCommands(): string[] {
  const commands = new Set<string>();
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const line of block[1].split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (/^(npx )?sapora\b/.test(command)) commands.add(command);
    }
  for (const span of README.matchAll(/`((?:npx )?sapora [^`]*)`/g))
    if (
      !/[[\]|…]|\.\.\./.test(span[1]) &&
      !/\b[A-Z]{3,}\b/.test(span[1].replace(/--\S+ [A-Z]+/g, ''))
    )
      commands.add(span[1]);
  return [...commands];
}

/**
 * The README is what a new user follows on a fresh clone: the `sapora` it shows must be the
 * command npm links at `npm ci` (a committed file, since nothing is built yet then), and every
 * command it shows must be one the CLI takes, exactly as written (with --help where a server is
 * needed).
 */
describe('the README’s commands, as a new user types them', () => {
  it('links `sapora` to a committed launcher, so `npm ci` on a fresh clone creates it', () => {
    const linked = realpathSync(join(ROOT, 'node_modules', '.bin', 'sapora'));
    const path = relative(ROOT, linked);
    expect(path).toBe(join('apps', 'cli', 'bin', 'sapora.js'));
    // Tracked by git: it is there in a clone before any build.
    expect(() =>
      execFileSync('git', ['ls-files', '--error-unmatch', path], { cwd: ROOT, stdio: 'pipe' }),
    ).not.toThrow();
  });

  const commands = readmeCommands();

  it('shows commands at all (the parse found them)', () => {
    expect(commands.some((command) => command.startsWith('npx sapora join'))).toBe(true);
    expect(commands.length).toBeGreaterThanOrEqual(5);
  });

  it.each(commands.map((command) => [command]))('runs `%s`', (command) => {
    const args = words(command).slice(command.startsWith('npx ') ? 2 : 1);
    const result = spawnSync('npx', ['--no-install', 'sapora', ...args, '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/sapora/);
  });
});
