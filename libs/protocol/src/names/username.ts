/**
 * Usernames: what a person typed becomes a display name and a comparison key, once, before
 * anything is stored. Two names with the same key cannot be in one room at once, so names
 * that look alike on screen must get the same key:
 *
 *   display = NFKC(typed)                      fullwidth, ligatures, composed accents
 *   key     = skeleton(casefold(display))      "ALICE", "ａｌｉｃｅ", "аlісе" → "alice"
 *
 * Refused outright: control and format characters (zero-width, bidi overrides and isolates),
 * names mixing scripts (Latin with Cyrillic, ...), and names whose key is reserved ("all").
 */
import { USERNAME_MAX_LENGTH } from '../constants/limits';

export type UsernameCheck =
  { ok: true; display: string; key: string } | { ok: false; problem: string };

/** Names that mean something else on the wire: "all" addresses everyone. */
const RESERVED_KEYS = new Set(['all']);

/** Control (Cc), format (Cf: zero-width, bidi), unassigned, private-use and surrogate code points. */
const INVISIBLE_OR_UNSAFE = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\u2028\u2029]/u;
const LINE_OR_SPACE_RUN = /\s{2,}/u;

/** Scripts a name's letters may come from; letters of any other script count as "Other". */
const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Bengali', /\p{Script=Bengali}/u],
  ['Tamil', /\p{Script=Tamil}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Han', /\p{Script=Han}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u],
  ['Ethiopic', /\p{Script=Ethiopic}/u],
];

/**
 * Script sets a single writing system really uses together (UTS #39 "highly restrictive"):
 * Japanese mixes Han, Hiragana and Katakana; Chinese Han and Bopomofo; Korean Han and Hangul;
 * each may also carry Latin (product names, initials).
 */
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/**
 * Letters of other scripts that look like Latin ones (from the Unicode confusables data, the
 * lower-case letters people actually meet). A name written wholly in one of these scripts is
 * allowed, but it takes the key of the Latin name it looks like, so it cannot sit beside it.
 */
const LATIN_LOOKALIKES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  с: 'c',
  ԁ: 'd',
  е: 'e',
  һ: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  г: 'r',
  ѕ: 's',
  у: 'y',
  ү: 'y',
  ԝ: 'w',
  х: 'x',
  // Greek
  α: 'a',
  ϲ: 'c',
  ε: 'e',
  ι: 'i',
  ϳ: 'j',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  υ: 'u',
  γ: 'y',
  ω: 'w',
  χ: 'x',
  // Armenian
  օ: 'o',
  ս: 'u',
  հ: 'h',
  ց: 'g',
  զ: 'q',
};

const LETTER = /\p{L}/u;

function scriptOf(char: string): string {
  for (const [name, pattern] of SCRIPTS) if (pattern.test(char)) return name;
  return 'Other';
}

/** The scripts of a name's letters; digits, punctuation and marks belong to none. */
function scriptsOf(name: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of name) if (LETTER.test(char)) scripts.add(scriptOf(char));
  return scripts;
}

function mixesScripts(scripts: Set<string>): boolean {
  if (scripts.size <= 1) return false;
  return !ALLOWED_MIXES.some((allowed) => [...scripts].every((script) => allowed.has(script)));
}

/** Full case folding, closely enough: ß → ss, ς → σ, and the Turkish dotted I stays an i. */
function casefold(name: string): string {
  return name.toUpperCase().toLowerCase().normalize('NFKC');
}

function skeleton(folded: string): string {
  let out = '';
  // Accents are marks after NFD; a name with them keeps its own key ("émile" ≠ "emile").
  for (const char of folded) out += LATIN_LOOKALIKES[char] ?? char;
  return out;
}

/**
 * Checks a typed username and returns its display form and its comparison key, or the one
 * problem to tell the person. Length is counted in code points of the display form.
 */
export function normaliseUsername(typed: string): UsernameCheck {
  const display = typed.normalize('NFKC');
  const length = [...display].length;
  if (length === 0) return { ok: false, problem: 'username is empty' };
  if (length > USERNAME_MAX_LENGTH)
    return { ok: false, problem: `username must be at most ${USERNAME_MAX_LENGTH} characters` };
  if (INVISIBLE_OR_UNSAFE.test(display))
    return {
      ok: false,
      problem: 'username must not contain control, invisible or direction-changing characters',
    };
  if (display.trim() !== display)
    return { ok: false, problem: 'username must not start or end with a space' };
  if (LINE_OR_SPACE_RUN.test(display))
    return { ok: false, problem: 'username must not contain two spaces in a row' };
  if (mixesScripts(scriptsOf(display)))
    return {
      ok: false,
      problem:
        'username must be written in one script (it mixes, e.g., Latin and Cyrillic letters)',
    };
  const key = skeleton(casefold(display));
  if (RESERVED_KEYS.has(key))
    return { ok: false, problem: `username "${display}" is reserved: "all" means everyone` };
  return { ok: true, display, key };
}

/**
 * The comparison key of a name someone addresses (a chat recipient, a file's "to"): the same
 * folding as a member's key, so "ALICE" and "аlice" find alice. Never refuses.
 */
export function usernameKey(typed: string): string {
  return skeleton(casefold(typed.normalize('NFKC')));
}
