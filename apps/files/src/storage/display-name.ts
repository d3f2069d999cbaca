const MAX_NAME_LENGTH = 255;

/**
 * A name from the wire made safe to show and to save as: no directories (either slash), no
 * control characters, no leading dots, bounded length. It is only ever shown or used by a
 * client as a file name inside a folder it chose; the server stores files by id.
 */
export function safeDisplayName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/\p{Cc}/gu, '')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return cleaned === '' ? 'file' : cleaned;
}
