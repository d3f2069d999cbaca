import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTokenFile, MeetingTokens, serverKey } from './meeting-tokens';

describe('MeetingTokens', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sapora-tokens-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps tokens per server and meeting in a file only its owner can read', async () => {
    const tokens = new MeetingTokens(join(dir, 'nested', 'meetings.json'));
    expect(await tokens.get('10.0.0.1:5000', 'standup')).toBeNull();
    await tokens.set('10.0.0.1:5000', 'standup', Buffer.alloc(16, 1));
    await tokens.set('10.0.0.1:5000', 'retro', Buffer.alloc(16, 2));
    await tokens.set('10.0.0.2:5000', 'standup', Buffer.alloc(16, 3));
    expect(await tokens.get('10.0.0.1:5000', 'standup')).toEqual(Buffer.alloc(16, 1));
    expect(await tokens.get('10.0.0.2:5000', 'standup')).toEqual(Buffer.alloc(16, 3));
    expect([...(await tokens.owned('10.0.0.1:5000'))].sort()).toEqual(['retro', 'standup']);
    expect((await stat(tokens.path)).mode & 0o777).toBe(0o600);

    await tokens.delete('10.0.0.2:5000', 'standup');
    await tokens.delete('10.0.0.2:5000', 'never-there');
    expect(JSON.parse(await readFile(tokens.path, 'utf8'))).toEqual({
      '10.0.0.1:5000': { standup: '01'.repeat(16), retro: '02'.repeat(16) },
    });
  });

  it('says which file is broken', async () => {
    const path = join(dir, 'meetings.json');
    await writeFile(path, '{ not json');
    await expect(new MeetingTokens(path).get('a:1', 'b')).rejects.toThrow(
      `${path} is not valid JSON; fix or remove it`,
    );
  });

  it('lives under SAPORA_HOME when set, and keys IPv6 servers with brackets', () => {
    expect(defaultTokenFile({ SAPORA_HOME: '/srv/sapora' })).toBe('/srv/sapora/meetings.json');
    expect(defaultTokenFile({})).toMatch(/\.config\/sapora\/meetings\.json$/);
    expect(serverKey('fe80::1', 5000)).toBe('[fe80::1]:5000');
    expect(serverKey('10.0.0.1', 5000)).toBe('10.0.0.1:5000');
  });
});
