import { normaliseUsername, usernameKey } from './username';

function keyOf(typed: string): string {
  const check = normaliseUsername(typed);
  if (!check.ok) throw new Error(`"${typed}" refused: ${check.problem}`);
  return check.key;
}

function problemOf(typed: string): string {
  const check = normaliseUsername(typed);
  if (check.ok) throw new Error(`"${typed}" accepted as ${check.key}`);
  return check.problem;
}

describe('normaliseUsername', () => {
  it('gives names that look alike one key', () => {
    expect(keyOf('alice')).toBe('alice');
    expect(keyOf('ALICE')).toBe('alice');
    expect(keyOf('ａｌｉｃｅ')).toBe('alice'); // fullwidth
    expect(keyOf('аӏісе')).toBe('alice'); // wholly Cyrillic look-alike
    expect(keyOf('Straße')).toBe(keyOf('STRASSE'));
    expect(keyOf('ΟΔΥΣΣΕΥΣ')).toBe(keyOf('οδυσσευς'));
  });

  it('composes decomposed accents, and keeps accents apart from plain letters', () => {
    const composed = normaliseUsername('Émile');
    const decomposed = normaliseUsername('E\u0301mile');
    expect(composed).toEqual(decomposed);
    expect(composed).toEqual({ ok: true, display: 'Émile', key: 'émile' });
    expect(keyOf('Emile')).not.toBe(keyOf('Émile'));
  });

  it('refuses mixed scripts but allows the mixes a language uses', () => {
    expect(problemOf('аlice')).toMatch(/one script/); // Cyrillic а + Latin
    expect(problemOf('pαypal')).toMatch(/one script/); // Greek α + Latin
    expect(keyOf('Дмитрий')).toBe(keyOf('ДМИТРИЙ'));
    expect(keyOf('山田たろう')).toBe('山田たろう'); // Han + Hiragana
    expect(keyOf('김민준 Kim')).toBe('김민준 kim'); // Hangul + Latin
    expect(keyOf('R2-D2')).toBe('r2-d2');
  });

  it('refuses control, zero-width and direction-changing characters', () => {
    for (const sneaky of [
      'ali\u200bce', // zero-width space
      'ali\u200dce', // zero-width joiner
      '\u202eecila', // right-to-left override
      'alice\u2066', // left-to-right isolate
      'ali\u0007ce', // bell
      'ali\nce',
      '\ufeffalice', // byte-order mark
    ])
      expect(problemOf(sneaky)).toMatch(/control, invisible or direction-changing/);
  });

  it('names the rule that failed', () => {
    expect(problemOf('')).toBe('username is empty');
    expect(problemOf(' alice')).toBe('username must not start or end with a space');
    expect(problemOf('a  b')).toBe('username must not contain two spaces in a row');
    expect(problemOf('x'.repeat(33))).toBe('username must be at most 32 characters');
    // Length is in code points: 32 emoji are fine, though they are 64 UTF-16 units.
    expect(normaliseUsername('😀'.repeat(32)).ok).toBe(true);
  });

  it('reserves "all" in every spelling', () => {
    for (const all of ['all', 'All', 'ALL', 'ａｌｌ', 'аӏӏ'])
      expect(problemOf(all)).toMatch(/reserved: "all" means everyone/);
  });

  it('folds an addressed name the same way as a member name', () => {
    expect(usernameKey('ALICE')).toBe(keyOf('alice'));
    expect(usernameKey('Ｅ\u0301MILE')).toBe(keyOf('Émile'));
  });
});
