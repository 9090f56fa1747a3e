import type { ProbeErrorCode } from '../types.js';

/**
 * How far into `cause` and `errors` we look. undici's deepest wrapping is a proxy error around a socket error,
 * or happy eyeballs' AggregateError of one error per address; the bound also ends a `cause` that loops.
 */
const ERROR_CHAIN_MAX_DEPTH = 4;

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|EPROTO|HOSTNAME_MISMATCH|UND_ERR_PRX_TLS)/;

interface Rule {
  code: ProbeErrorCode;
  /** Matches when any error in the chain has a code like this. */
  codes?: RegExp;
  /** Matches when the first message says this: for errors undici raises without a code of their own. */
  words?: RegExp;
  /** Matches when our own timeout fired. */
  onOurTimeout?: true;
  /**
   * What the report quotes: `carrier`, the words of the error that carries the code (a wrapper's "fetch
   * failed" says nothing); `first`, the first message in the chain; or fixed words.
   */
  quote: 'carrier' | 'first' | { fixed: string };
}

/**
 * The first rule that matches names the error, so the order matters where one failure shows several signs:
 * - Refused and DNS errors come before the TLS words: their messages quote the host name, and a host may be
 *   called `tls-gateway` or `ssl.corp`.
 * - PROXY before ECONNRESET: undici's proxy error carries the socket error that ended the tunnel as its cause.
 * - Undici's connect timeout before the general timeout rule: it is the more specific, naming the phase that
 *   never finished.
 * - Timeouts before ECONNRESET and BAD_HTTP: once the time is up undici destroys the socket, so a reset or a
 *   half-parsed response seen then is a consequence of the timeout, not its cause.
 */
const RULES: readonly Rule[] = [
  { code: 'ECONNREFUSED', codes: /^ECONNREFUSED$/, quote: 'carrier' },
  { code: 'ENOTFOUND', codes: /^ENOTFOUND$/, quote: 'carrier' },
  { code: 'EAI_AGAIN', codes: /^EAI_AGAIN$/, quote: 'carrier' },
  { code: 'TLS', codes: TLS_CODES, quote: 'carrier' },
  { code: 'TLS', words: /certificate|SSL|TLS/i, quote: 'first' },
  { code: 'PROXY', codes: /^UND_ERR_PRX_CONN$/, quote: 'carrier' },
  // A tunnel the proxy refused (502, 407) is a RequestAbortedError, whose code says only "aborted".
  { code: 'PROXY', words: /Proxy response/i, quote: 'first' },
  { code: 'CONNECT_TIMEOUT', codes: /^UND_ERR_CONNECT_TIMEOUT$/, quote: 'first' },
  {
    code: 'TIMEOUT',
    onOurTimeout: true,
    codes: /^(UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|ETIMEDOUT)$/,
    words: /aborted due to timeout/i,
    quote: { fixed: 'no complete response in time' },
  },
  { code: 'ECONNRESET', codes: /^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/, quote: 'carrier' },
  { code: 'EHOSTUNREACH', codes: /^(EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/, quote: 'carrier' },
  {
    code: 'BAD_HTTP',
    codes: /^(HPE_|UND_ERR_HEADERS_OVERFLOW|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)/,
    // undici's HTTPParserError looks its HPE_ code up by number in a table keyed by name, so broken framing
    // (a bad chunk size, no CRLF after a chunk) arrives with no code at all: only its words tell.
    words: /does not match the HTTP\/1\.1 protocol/,
    quote: 'first',
  },
];

interface Link {
  code?: string;
  message?: string;
}

/** Every error in the chain, outermost first: the error, its `errors` (AggregateError), then its `cause`. */
function errorChain(error: unknown): Link[] {
  const found: Link[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > ERROR_CHAIN_MAX_DEPTH) return;
    const err = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    let inner: unknown[];
    let cause: unknown;
    const link: Link = {};
    // A getter that throws (a revoked Proxy, a hostile object) makes that link say nothing, not the probe throw.
    try {
      if (typeof err.code === 'string') link.code = err.code;
      if (typeof err.message === 'string' && err.message.trim() !== '') link.message = err.message;
      inner = Array.isArray(err.errors) ? [...(err.errors as unknown[])] : [];
      cause = err.cause;
    } catch {
      return;
    }
    found.push(link);
    for (const each of inner) visit(each, depth + 1);
    visit(cause, depth + 1);
  };
  visit(error, 0);
  return found;
}

/** `String(error)` for the report, also for values that have no string form (a null-prototype object). */
function describe(error: unknown): string {
  try {
    return String(error);
  } catch {
    return 'an error with no description';
  }
}

function matches(rule: Rule, codes: readonly string[], message: string, timedOut: boolean): boolean {
  return (
    (rule.onOurTimeout === true && timedOut) ||
    (rule.codes !== undefined && codes.some((c) => rule.codes!.test(c))) ||
    (rule.words !== undefined && rule.words.test(message))
  );
}

function quoteFor(rule: Rule, chain: readonly Link[], message: string): string {
  if (typeof rule.quote === 'object') return rule.quote.fixed;
  if (rule.quote === 'first' || !rule.codes) return message;
  const pattern = rule.codes;
  return chain.find((link) => link.code && pattern.test(link.code) && link.message)?.message ?? message;
}

/**
 * Normalises the zoo of Node/undici errors into a few codes that diagnosis understands. `timedOut`: our own
 * timeout fired; `aborted`: the caller abandoned the request.
 */
export function classifyError(
  error: unknown,
  timedOut: boolean,
  aborted: boolean,
): { code: ProbeErrorCode; message: string } {
  // The caller's abandon explains whatever undici raised after it; a timeout at the same moment still counts.
  if (aborted && !timedOut) return { code: 'ABORTED', message: 'request abandoned' };
  const chain = errorChain(error);
  const codes = chain.flatMap((link) => (link.code ? [link.code] : []));
  const message = chain.find((link) => link.message)?.message ?? describe(error);
  const rule = RULES.find((r) => matches(r, codes, message, timedOut));
  if (rule) return { code: rule.code, message: quoteFor(rule, chain, message) };
  // An unknown code keeps its name in the message, so the report still shows what Node said.
  return {
    code: 'ERROR',
    message: codes[0] && !message.includes(codes[0]) ? `${codes[0]}: ${message}` : message,
  };
}
