import { CAUSES, SERVER_KINDS } from './causes.js';
import { CUT_MARK, renderText, Text } from './text.js';

/**
 * Masks secrets in any string that leaves the process. Two layers: the exact values we know (api-key, URL
 * passwords, tokens in query strings) and patterns for secrets we don't know but that servers print in
 * their logs (Hugging Face tokens, bearer tokens, OpenAI-style keys, URL userinfo).
 */
export type Redactor = (text: string) => string;

/**
 * Replacements for a known secret, first usable one wins. A marker must share no character with the secret:
 * then replacing can never put the secret back together from a marker and its neighbours, and one pass is
 * enough. A secret that shares a character with every marker is removed with nothing in its place.
 */
const MARKERS = ['***', '[redacted]', '<secret>', '###', '~~~', '…'];

const PATTERNS: Array<[RegExp, string]> = [
  [/\bhf_[A-Za-z0-9]{8,}/g, 'hf_***'],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, 'sk-***'],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/gi, '$1 ***'],
  [
    /\b(authorization|x-api-key|api[-_]?key|HF_TOKEN|HUGGING_FACE_HUB_TOKEN|token)(["']?\s*[:=]\s*["']?)(?!\*\*\*)[^\s"',;&]{4,}/gi,
    '$1$2***',
  ],
  // The scheme is bounded ({0,30}): unbounded, "a.a.a.a…://" made every word start rescan the rest of the line,
  // quadratic in a server's body. Real schemes are short (https, postgresql, git+ssh).
  [/(\b[a-z][a-z0-9+.-]{0,30}:\/\/)[^/\s:@]*:[^/\s@]*@/gi, '$1***@'],
  [
    /([?&](?:token|key|api[-_]?key|access[-_]?token|auth|password|secret|sig|signature)=)[^&\s"'#]+/gi,
    '$1***',
  ],
];

/**
 * Every pattern needs one of these; most text (a model id, a status line) has none, and a 100 000-model list
 * is redacted in a fraction of the time when the patterns are skipped for it.
 */
const MIGHT_MATCH_A_PATTERN = /hf_|sk-|bearer|basic|token|authorization|api|key|:\/\/|[?&]/i;

/** Passes with markers before falling back to plain removal (only several overlapping secrets need >1). */
const MARKER_PASSES = 4;

const knownSecrets = new WeakMap<Redactor, readonly string[]>();

function markerFor(secret: string): string {
  return MARKERS.find((marker) => ![...marker].some((c) => secret.includes(c))) ?? '';
}

/**
 * A secret as a server may echo it back: inside a JSON string (`"` and `\` escaped) or percent-encoded in a
 * URL or a Location header.
 */
function spellings(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1)];
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // A lone surrogate cannot be percent-encoded, so no server can have sent it that way either.
  }
  return forms;
}

export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const given = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
  const known = [...new Set(given.flatMap(spellings))].sort((a, b) => b.length - a.length);
  const markers = new Map(known.map((secret) => [secret, markerFor(secret)]));
  const removeKnown = (text: string): string => {
    let out = text;
    // Replacing one secret can complete another (overlapping values): repeat until none is left.
    for (let pass = 0; pass < MARKER_PASSES; pass++) {
      let changed = false;
      for (const secret of known) {
        if (!out.includes(secret)) continue;
        out = out.split(secret).join(markers.get(secret));
        changed = true;
      }
      if (!changed) return out;
    }
    // Markers keep recreating secrets: remove them outright. Every round makes the text shorter, so it ends.
    while (known.some((secret) => out.includes(secret)))
      for (const secret of known) out = out.split(secret).join('');
    return out;
  };
  const redact: Redactor = (text: string): string => {
    if (typeof text !== 'string' || text === '') return text;
    // Known values first, so a pattern cannot leave half of one behind ("xyzBearer abc" → "xyzBearer ***").
    let out = removeKnown(text);
    if (MIGHT_MATCH_A_PATTERN.test(out))
      for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    // A pattern's own replacement ("Bearer ***") could spell a known value; take it out again.
    return removeKnown(out);
  };
  knownSecrets.set(redact, known);
  return redact;
}

/** The known secrets a redactor masks, in every spelling, longest first. */
function knownTo(redact: Redactor): readonly string[] {
  return knownSecrets.get(redact) ?? [];
}

/** Drops an end of `text` that is the start of a known secret (what a cut through the secret leaves). */
function dropSecretStart(text: string, known: readonly string[]): string {
  let longest = 0;
  for (const secret of known)
    for (let k = Math.min(secret.length - 1, text.length); k > longest; k--)
      if (text.endsWith(secret.slice(0, k))) {
        longest = k;
        break;
      }
  return text.slice(0, text.length - longest);
}

/**
 * One value from outside, redacted whole. A value the engine kept bounded ends in CUT_MARK (text.ts keepChars):
 * a secret may straddle that cut, and its first half matches no pattern and no known value, so the half word
 * before the mark goes, and so does any end that starts a known secret (a secret may hold spaces).
 */
export function redactValue(value: string, redact: Redactor): string {
  if (!value.endsWith(CUT_MARK)) return redact(value);
  const known = knownTo(redact);
  const kept = dropSecretStart(
    dropSecretStart(value.slice(0, -CUT_MARK.length), known).replace(/\S+$/, ''),
    known,
  );
  return redact(kept) + CUT_MARK;
}

/** What a value becomes on its way out: strings redacted whole, our Text rendered with its values redacted. */
export type Shown<T> = T extends Text
  ? string
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Shown<U>[]
      : { [K in keyof T]: Shown<T[K]> };

/**
 * Redacts every value inside a JSON-like value, keeping its shape: each string whole (redactValue), each Text
 * with its quoted values redacted and its own words untouched. Keys are ours and stay; so do the values `keep`
 * accepts (see keepVocabulary).
 */
export function redactDeep<T>(
  value: T,
  redact: Redactor,
  keep: (key: string, value: string) => boolean = () => false,
): Shown<T> {
  if (typeof value === 'string') return redactValue(value, redact) as Shown<T>;
  if (value instanceof Text) return renderText(value, (v) => redactValue(v, redact)) as Shown<T>;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact, keep)) as Shown<T>;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = typeof v === 'string' && keep(k, v) ? v : redactDeep(v, redact, keep);
    return out as Shown<T>;
  }
  return value as Shown<T>;
}

/** Our sentence with its values redacted: for a line that leaves the process on its own (a note, a warning). */
export function redactText(t: Text, redact: Redactor): string {
  return renderText(t, (v) => redactValue(v, redact));
}

const VOCABULARY_KEYS = new Set(['cause', 'server', 'kind', 'stage', 'method']);
const VOCABULARY = new Set<string>([
  ...CAUSES,
  ...SERVER_KINDS,
  'unknown',
  'internal-error',
  // Evidence and probe result kinds, request stages and methods (types.ts).
  ...'attempt log exit container models backend pull note cancelled http error listening'.split(' '),
  ...'health detect smoke version backends'.split(' '),
  ...'GET POST HEAD'.split(' '),
]);

/**
 * Cause ids, server kinds and evidence kinds are our vocabulary, never a server's text: a machine reading the
 * report must find `"cause": "no-response"` even when the api-key is "o". Only exact vocabulary words under
 * those keys are kept, so a server's own `Server:` header is still redacted.
 */
export function keepVocabulary(key: string, value: string): boolean {
  return VOCABULARY_KEYS.has(key) && VOCABULARY.has(value);
}

const URL_START = /[a-z][a-z0-9+.-]{0,30}:\/\//i;

/**
 * The userinfo of each URL-looking word. A URL that parses gives its own; one that does not (a base64
 * password holds `/` and `+`, which end the authority for a URL parser) gives everything up to its last `@`
 * before any `?` or `#`: an input we reject is echoed, so it is safer to mask too much of it than a piece too
 * little. Word by word with indexOf, so a long input is read once.
 */
function userinfoIn(text: string): string[] {
  const found: string[] = [];
  for (const word of text.split(/\s+/)) {
    const start = URL_START.exec(word);
    // No scheme ("user:pass@host:8000"): rejected for it, and echoed, so its userinfo is found all the same.
    const urlText = start ? word.slice(start.index) : word;
    const authority = (start ? urlText.slice(urlText.indexOf('://') + 3) : urlText).split(/[?#]/, 1)[0]!;
    const at = authority.lastIndexOf('@');
    if (at === -1 || (!start && !authority.slice(0, at).includes(':'))) continue;
    const url = start && URL.canParse(urlText) ? new URL(urlText) : undefined;
    if (url && !url.username && !url.password) continue;
    found.push(
      url ? (url.password ? `${url.username}:${url.password}` : url.username) : authority.slice(0, at),
    );
  }
  return found;
}

/**
 * Secrets written inside text that may not even parse as a URL (an input we are about to reject): URL
 * userinfo (the password, or a lone user name, which gateways use as a token) and token-like query values.
 * Used before the inputs are validated, so a rejected base-url never echoes its password.
 */
export function secretsInText(text: string): string[] {
  const found: string[] = [];
  const add = (raw: string) => {
    found.push(raw);
    try {
      found.push(decodeURIComponent(raw));
    } catch {
      // Not valid percent-encoding: the raw form is what would be printed anyway.
    }
  };
  for (const info of userinfoIn(text)) {
    const colon = info.indexOf(':');
    add(colon === -1 ? info : info.slice(colon + 1));
  }
  for (const m of text.matchAll(
    /[?&](?:token|key|api[-_]?key|access[-_]?token|auth|password|secret|sig|signature)=([^&\s#]+)/gi,
  ))
    add(m[1] ?? '');
  return [...new Set(found.filter((s) => s !== ''))];
}
