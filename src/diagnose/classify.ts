import type { Cause } from '../causes.js';
import type { ProbeErrorCode, ProbeResult } from '../types.js';
import type { AttemptEvidence } from './context.js';

/** How soon a kind of failure may end the wait. */
export type Settle = 'now' | 'persistent' | 'deadline';

/** The causes one request can name on its own; each has an explainer (explain/index.ts). */
export const ATTEMPT_CAUSES = [
  'connection-refused',
  'dns-failure',
  'proxy-intercept',
  'no-response',
  'tls-error',
  'still-loading',
  'server-error',
  'not-an-llm-server',
  'unauthorized',
  'bad-response',
  'smoke-failed',
] as const satisfies readonly Cause[];

export type AttemptCause = (typeof ATTEMPT_CAUSES)[number];

export interface Classified {
  cause: AttemptCause;
  settle: Settle;
  evidence: AttemptEvidence;
}

type Verdict = { cause: AttemptCause; settle: Settle };
type HttpResult = Extract<ProbeResult, { kind: 'http' }>;

export const HTML = /^\s*(<!doctype html|<html)/i;

export function isProxyAnswer(result: ProbeResult): boolean {
  if (!result.viaProxy) return false;
  if (result.kind === 'error')
    return result.code === 'PROXY' || result.code === 'ECONNREFUSED' || result.code === 'ENOTFOUND';
  const h = result.headers;
  // A forwarding proxy adds Via to every answer it passes on, the server's own 503 "Loading model" included,
  // so Via alone does not make an answer the proxy's: its own error pages are HTML or text, a server's are JSON.
  const serverJson = /^\s*[{[]/.test(result.body);
  return (
    result.status === 407 ||
    'x-squid-error' in h ||
    /squid|proxy/i.test(h.server ?? '') ||
    (!serverJson && ('via' in h || HTML.test(result.body)) && [403, 502, 503, 504].includes(result.status))
  );
}

/**
 * A 503 that means "not yet": llama.cpp's "Loading model" (unavailable_error), LocalAI's "starting", a warmup,
 * or the empty body SGLang sends until its warmup request succeeds. A 503 that says "unhealthy" is not one:
 * TGI listens only once warmed up, so its /health 503 means a shard failed its check, and LiteLLM's
 * readiness 503 "Service Unhealthy" carries an exception. Those are server errors.
 */
export function looksLoading(result: HttpResult): boolean {
  return (
    result.status === 503 &&
    (/loading|unavailable_error|starting|warm/i.test(result.body) || result.body.trim() === '')
  );
}

/** Every way a request can fail without an HTTP answer; a new code must be placed here to compile. */
const NO_ANSWER: Record<ProbeErrorCode, Verdict> = {
  ECONNREFUSED: { cause: 'connection-refused', settle: 'deadline' },
  // A name that does not resolve stays that way; a resolver that did not answer may answer next time.
  ENOTFOUND: { cause: 'dns-failure', settle: 'persistent' },
  EAI_AGAIN: { cause: 'dns-failure', settle: 'deadline' },
  CONNECT_TIMEOUT: { cause: 'connection-refused', settle: 'deadline' },
  EHOSTUNREACH: { cause: 'connection-refused', settle: 'deadline' },
  TIMEOUT: { cause: 'no-response', settle: 'deadline' },
  ECONNRESET: { cause: 'no-response', settle: 'deadline' },
  TLS: { cause: 'tls-error', settle: 'now' },
  PROXY: { cause: 'proxy-intercept', settle: 'persistent' },
  BAD_HTTP: { cause: 'bad-response', settle: 'persistent' },
  ABORTED: { cause: 'no-response', settle: 'deadline' },
  DEADLINE: { cause: 'no-response', settle: 'deadline' },
  ERROR: { cause: 'no-response', settle: 'deadline' },
};

/** Evidence is data: a code from outside the list reads like any other unexplained failure. */
function noAnswerVerdict(code: string): Verdict {
  return Object.hasOwn(NO_ANSWER, code) ? NO_ANSWER[code as ProbeErrorCode] : NO_ANSWER.ERROR;
}

/**
 * The smoke completion goes only to a server that has just listed its models, and it has the time left to the
 * deadline: one that never finishes is the completion's failure (a stuck engine), not a server that is silent.
 */
const SMOKE_UNFINISHED: readonly string[] = ['TIMEOUT', 'DEADLINE'];

function errorVerdict(code: string, ev: AttemptEvidence): Verdict {
  if (ev.stage === 'smoke' && SMOKE_UNFINISHED.includes(code))
    return { cause: 'smoke-failed', settle: 'now' };
  return noAnswerVerdict(code);
}

const is2xx = (r: HttpResult) => r.status >= 200 && r.status < 300;

/** What an HTTP answer says, first match wins; `fine` ends the look with nothing wrong. */
const ANSWERS: readonly {
  when: (r: HttpResult, ev: AttemptEvidence) => boolean;
  verdict: Verdict | 'fine';
}[] = [
  // Before the smoke rule: llama.cpp and TGI list models without a key but guard completions, so a 401 on
  // the smoke request is a missing key, not a broken model.
  { when: (r) => r.status === 401 || r.status === 403, verdict: { cause: 'unauthorized', settle: 'now' } },
  { when: (r, ev) => ev.stage === 'smoke' && is2xx(r) && !ev.problem, verdict: 'fine' },
  { when: (_, ev) => ev.stage === 'smoke', verdict: { cause: 'smoke-failed', settle: 'now' } },
  { when: looksLoading, verdict: { cause: 'still-loading', settle: 'deadline' } },
  { when: (r) => r.status >= 500, verdict: { cause: 'server-error', settle: 'deadline' } },
  { when: (r) => r.truncated, verdict: { cause: 'bad-response', settle: 'persistent' } },
  { when: (r) => HTML.test(r.body), verdict: { cause: 'not-an-llm-server', settle: 'persistent' } },
  {
    when: (r) => r.status === 404 || r.status === 405,
    verdict: { cause: 'not-an-llm-server', settle: 'persistent' },
  },
  // A rate limit lifts: the server is there and will answer, so only the deadline ends this wait.
  { when: (r) => r.status === 429, verdict: { cause: 'server-error', settle: 'deadline' } },
  { when: (r) => !is2xx(r), verdict: { cause: 'bad-response', settle: 'persistent' } },
  { when: (_, ev) => Boolean(ev.problem), verdict: { cause: 'bad-response', settle: 'persistent' } },
];

/** What one request says on its own. `undefined` means it was fine. */
export function classifyAttempt(ev: AttemptEvidence): Classified | undefined {
  const r = ev.result;
  const verdict: Verdict | 'fine' | undefined = isProxyAnswer(r)
    ? { cause: 'proxy-intercept', settle: 'persistent' }
    : r.kind === 'error'
      ? errorVerdict(r.code, ev)
      : ANSWERS.find((answer) => answer.when(r, ev))?.verdict;
  return verdict === undefined || verdict === 'fine' ? undefined : { ...verdict, evidence: ev };
}
