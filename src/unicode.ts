/**
 * Characters in text from outside that a reader does not see as they are: line breaks some renderer honours,
 * characters nobody sees at all, and letters that look like other letters. One list, so what the renderers
 * flatten or show escaped and what the model diagnosis names are the same characters.
 */

/**
 * Everything that ends or breaks a line in some renderer: CommonMark ends a line at CR alone, Unicode at NEL,
 * LS and PS, and terminals move down at VT and FF.
 */
export const LINE_BREAKS = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;

/**
 * Characters that show nothing, or change how what follows shows or runs: C0 and C1 controls (tab aside),
 * bidi embeddings, overrides and isolates, zero-width spaces and joiners, the byte-order mark, soft hyphen.
 */
export const INVISIBLE =
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point here
  /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

const ONE_INVISIBLE = new RegExp(`^${INVISIBLE.source}$`);

export function isInvisible(char: string): boolean {
  return ONE_INVISIBLE.test(char);
}

/** "U+200B": how a reader can name a character they cannot see. */
export function codePointName(char: string): string {
  return 'U+' + char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

/** `\u{200b}`: a character shown by its code point, as JavaScript and Rust would write it. */
export function escapedCodePoint(char: string): string {
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}

/**
 * Letters and signs that render like ASCII ones in common fonts (Cyrillic and Greek look-alikes, dashes,
 * spaces), each with the ASCII character it passes for. Fullwidth forms are folded by `lookAlikeOf`.
 */
const LOOK_ALIKES: Record<string, string> = {
  '\u0430': 'a',
  '\u0435': 'e',
  '\u043e': 'o',
  '\u0440': 'p',
  '\u0441': 'c',
  '\u0443': 'y',
  '\u0445': 'x',
  '\u0456': 'i',
  '\u0458': 'j',
  '\u0455': 's',
  '\u0501': 'd',
  '\u04bb': 'h',
  '\u0410': 'A',
  '\u0412': 'B',
  '\u0415': 'E',
  '\u041a': 'K',
  '\u041c': 'M',
  '\u041d': 'H',
  '\u041e': 'O',
  '\u0420': 'P',
  '\u0421': 'C',
  '\u0422': 'T',
  '\u0425': 'X',
  '\u03bf': 'o',
  '\u03b1': 'a',
  '\u03bd': 'v',
  '\u03c1': 'p',
  '\u0391': 'A',
  '\u0392': 'B',
  '\u0395': 'E',
  '\u0397': 'H',
  '\u0399': 'I',
  '\u039a': 'K',
  '\u039c': 'M',
  '\u039d': 'N',
  '\u039f': 'O',
  '\u03a1': 'P',
  '\u03a4': 'T',
  '\u03a7': 'X',
  '\u0131': 'i',
  '\u0261': 'g',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u00a0': ' ',
  '\u2007': ' ',
  '\u202f': ' ',
  '\u2024': '.',
  '\u2044': '/',
  '\u2215': '/',
  '\u02d0': ':',
  '\u0589': ':',
};

/** The ASCII character `char` passes for, or undefined when it is not a known look-alike. */
export function lookAlikeOf(char: string): string | undefined {
  const code = char.codePointAt(0)!;
  // Fullwidth ASCII (U+FF01–U+FF5E) is ASCII shifted by 0xFEE0.
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCodePoint(code - 0xfee0);
  return LOOK_ALIKES[char];
}
