/**
 * Owner tokens of meetings scheduled from this browser, kept in its localStorage (the CLI keeps
 * its own in ~/.sapora/meetings.json): only the token can change or delete a meeting, and the
 * server keeps just its hash.
 */
const KEY = 'sapora.ownerTokens';

type Tokens = Record<string, string>;

const slot = (server: string, meetingId: string): string => `${server}|${meetingId}`;

function read(): Tokens {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Tokens) : {};
  } catch {
    return {};
  }
}

export const ownerTokens = {
  get(server: string, meetingId: string): string | undefined {
    return read()[slot(server, meetingId)];
  },
  set(server: string, meetingId: string, token: string): void {
    localStorage.setItem(KEY, JSON.stringify({ ...read(), [slot(server, meetingId)]: token }));
  },
  remove(server: string, meetingId: string): void {
    const tokens = read();
    delete tokens[slot(server, meetingId)];
    localStorage.setItem(KEY, JSON.stringify(tokens));
  },
};
