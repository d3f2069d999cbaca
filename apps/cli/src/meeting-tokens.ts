import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** server ("host:port") => meeting id => owner token, hex */
type TokenFile = Record<string, Record<string, string>>;

/** Where owner tokens are kept: $SAPORA_HOME/meetings.json, else ~/.config/sapora/meetings.json. */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.SAPORA_HOME;
  return home ? join(home, 'meetings.json') : join(homedir(), '.config', 'sapora', 'meetings.json');
}

/** The key of a server in the file: what --server named, with the port always written. */
export function serverKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The owner tokens of meetings scheduled from this machine: whoever holds one can change or
 * delete its meeting, so the file is readable by its owner alone (mode 0600).
 */
export class MeetingTokens {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async get(server: string, meetingId: string): Promise<Buffer | null> {
    const hex = (await this.#read())[server]?.[meetingId];
    return hex === undefined ? null : Buffer.from(hex, 'hex');
  }

  async set(server: string, meetingId: string, token: Buffer): Promise<void> {
    const file = await this.#read();
    file[server] = { ...file[server], [meetingId]: token.toString('hex') };
    await this.#write(file);
  }

  async delete(server: string, meetingId: string): Promise<void> {
    const file = await this.#read();
    if (file[server]?.[meetingId] === undefined) return;
    delete file[server][meetingId];
    if (Object.keys(file[server]).length === 0) delete file[server];
    await this.#write(file);
  }

  /** Meeting ids this machine holds tokens for on a server. */
  async owned(server: string): Promise<Set<string>> {
    return new Set(Object.keys((await this.#read())[server] ?? {}));
  }

  async #read(): Promise<TokenFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read ${this.path}: ${(error as Error).message}`);
    }
    try {
      return JSON.parse(text) as TokenFile;
    } catch {
      throw new Error(`${this.path} is not valid JSON; fix or remove it`);
    }
  }

  /** Written whole to a temporary file, then renamed: a crash never leaves half a file. */
  async #write(file: TokenFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    // The mode given to writeFile is filtered by the umask; the tokens must stay private.
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }
}
