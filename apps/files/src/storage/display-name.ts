/** Longest stored name, in bytes of UTF-8: what common file systems allow for one name. */
const MAX_NAME_BYTES = 255;

/** Control (Cc) and format (Cf: bidi overrides and isolates, zero-width) characters. */
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}]/gu;

/** The longest prefix of `text` that fits `maxBytes` of UTF-8, never cutting a character. */
function fitBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * A name from the wire made safe to show and to save as: no directories (either slash), no
 * control or direction-changing characters (a name must not read "txt.exe" backwards), no
 * leading dots, at most 255 bytes of UTF-8 so a recipient can always save it. It is only ever
 * shown or used by a client as a file name inside a folder it chose; the server stores files
 * by id.
 */
export function safeDisplayName(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = fitBytes(
    base.replace(UNSAFE_CHARACTERS, '').replace(/^\.+/, '').trim(),
    MAX_NAME_BYTES,
  );
  return cleaned === '' ? 'file' : cleaned;
}
