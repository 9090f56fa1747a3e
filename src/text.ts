/**
 * Text made of our own words and values from outside (a server's body or log line, a model id, a user's input).
 * The engine keeps both raw; where text leaves the process (report/present.ts) each value is redacted whole and
 * only then cut to its display length, and our own words never pass through the secret patterns: a hint that
 * says "give the token read access" must not print as "give the token *** access".
 */

/** A value from outside, shown inside one of our sentences. */
export interface Quote {
  readonly quote: string;
  /** Display length, applied after redaction, so a secret can never show in part across the cut. */
  readonly maxChars?: number;
}

/** Our words (plain strings) and quoted values, in order. A class, so the edge can tell it from a list of ids. */
export class Text {
  constructor(readonly parts: readonly (string | Quote)[]) {}
}

type Interpolated = string | number | Quote | Text;

/**
 * A sentence of ours with values in it: the literal parts are our words; every interpolated string is a value
 * from outside (redacted at the edge), numbers are ours, and a nested Text keeps its own parts.
 */
export function text(literals: TemplateStringsArray, ...values: Interpolated[]): Text {
  const parts: (string | Quote)[] = [];
  literals.forEach((literal, i) => {
    if (literal) parts.push(literal);
    if (i >= values.length) return;
    const value = values[i]!;
    if (value instanceof Text) parts.push(...value.parts);
    else if (typeof value === 'number') parts.push(String(value));
    else if (typeof value === 'string') parts.push({ quote: value });
    else parts.push(value);
  });
  return new Text(parts);
}

/** A value from outside, flattened to one line and cut to `maxChars` at the edge (after redaction). */
export function quote(value: string, maxChars?: number): Quote {
  return maxChars === undefined ? { quote: value } : { quote: value, maxChars };
}

/** A sentence that is wholly ours (a hint from a signature table). */
export function ours(sentence: string): Text {
  return new Text([sentence]);
}

/** Texts joined with a separator of ours. */
export function joinText(texts: readonly Text[], separator: string): Text {
  const parts: (string | Quote)[] = [];
  texts.forEach((t, i) => {
    if (i > 0) parts.push(separator);
    parts.push(...t.parts);
  });
  return new Text(parts);
}

/**
 * The text with its values as they are, unredacted: for decisions inside the process and for tests. Never
 * print it; reporters get rendered text from report/present.ts.
 */
export function plainText(t: Text): string;
export function plainText(t: Text | undefined): string | undefined;
export function plainText(t: Text | undefined): string | undefined {
  return t === undefined ? undefined : renderText(t, (value) => value);
}

/** Renders a text: each value through `show` (the redactor at the edge), then flattened and cut if it asks. */
export function renderText(t: Text, show: (value: string) => string): string {
  return t.parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const shown = show(part.quote);
      return part.maxChars === undefined ? shown : oneLine(shown, part.maxChars);
    })
    .join('');
}

/** The mark a cut leaves at the end of a text. */
export const CUT_MARK = '…';

/** Whitespace (line breaks included) folded to single spaces, and cut to `maxChars` with a mark. */
export function oneLine(value: string, maxChars: number): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? flat.slice(0, maxChars - 1) + CUT_MARK : flat;
}

/**
 * Where the engine keeps a value raw but bounded (a body, a log line): cut at `maxChars` with a mark. The edge
 * sees the mark and drops the half word before it, so a secret cut here can never show its first half.
 */
export function keepChars(value: string, maxChars: number): string {
  return value.length > maxChars ? value.slice(0, maxChars) + CUT_MARK : value;
}
