import { safeDisplayName } from './display-name';

describe('safeDisplayName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['/abs/path', 'path'],
    ['a\\b', 'b'],
    ['..', 'file'],
    ['.hidden', 'hidden'],
    ['bad\u0000\u0007\nname.txt', 'badname.txt'],
    ['', 'file'],
    ['dir/', 'file'],
  ])('%j → %j', (input, expected) => {
    expect(safeDisplayName(input)).toBe(expected);
  });

  it('bounds the length in bytes of UTF-8, never cutting a character', () => {
    expect(safeDisplayName('x'.repeat(1000))).toHaveLength(255);
    // 200 × "é" is 400 bytes: 127 of them fit (254 bytes), half of the 128th would not.
    const accented = safeDisplayName('é'.repeat(200));
    expect(Buffer.byteLength(accented, 'utf8')).toBe(254);
    expect(accented).toBe('é'.repeat(127));
    const emoji = safeDisplayName(`${'😀'.repeat(70)}.txt`);
    expect(Buffer.byteLength(emoji, 'utf8')).toBeLessThanOrEqual(255);
    expect(emoji).toBe('😀'.repeat(63));
  });

  it('drops direction-changing and invisible characters', () => {
    // "photo\u202Egpj.exe" shows as "photoexe.jpg" in a right-to-left override.
    expect(safeDisplayName('photo\u202Egpj.exe')).toBe('photogpj.exe');
    expect(safeDisplayName('a\u2066b\u2069c\u200bd\ufeff.txt')).toBe('abcd.txt');
  });
});
