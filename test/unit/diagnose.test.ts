import { describe, expect, it } from 'vitest';
import { CAUSES, SERVER_KINDS, type Cause } from '../../src/causes.js';
import { ATTEMPT_CAUSES } from '../../src/diagnose/classify.js';
import { EXPLAINERS } from '../../src/diagnose/explain/index.js';
import { classifyAttempt, settle, type DiagnoseContext } from '../../src/diagnose/index.js';
import { decide, RULES, type Rule } from '../../src/diagnose/settle.js';
import { signaturesFor } from '../../src/servers/index.js';
import type { Evidence, ProbeResult, Stage, ProbeErrorCode } from '../../src/types.js';
import { plainText } from '../../src/text.js';

// Hand-built evidence: what the preflight records, without any server.
type Attempt = Extract<Evidence, { kind: 'attempt' }>;
const ROOT = 'http://127.0.0.1:8000';

function http(
  status: number,
  body = '',
  opts: {
    stage?: Stage;
    path?: string;
    atMs?: number;
    headers?: Record<string, string>;
    problem?: string;
    viaProxy?: string;
    truncated?: boolean;
  } = {},
): Attempt {
  const result: ProbeResult = {
    kind: 'http',
    status,
    headers: opts.headers ?? {},
    body,
    truncated: opts.truncated ?? false,
    durationMs: 3,
  };
  if (opts.viaProxy) result.viaProxy = opts.viaProxy;
  const stage = opts.stage ?? 'models';
  const ev: Attempt = {
    kind: 'attempt',
    atMs: opts.atMs ?? 0,
    stage,
    method: stage === 'smoke' ? 'POST' : 'GET',
    url: `${ROOT}${opts.path ?? (stage === 'health' ? '/health' : stage === 'smoke' ? '/v1/chat/completions' : '/v1/models')}`,
    result,
  };
  if (opts.problem) ev.problem = opts.problem;
  return ev;
}

function error(
  code: ProbeErrorCode,
  opts: { atMs?: number; stage?: Stage; viaProxy?: string; message?: string } = {},
): Attempt {
  const result: ProbeResult = {
    kind: 'error',
    code,
    message: opts.message ?? `${code} happened`,
    durationMs: 1,
  };
  if (opts.viaProxy) result.viaProxy = opts.viaProxy;
  return {
    kind: 'attempt',
    atMs: opts.atMs ?? 0,
    stage: opts.stage ?? 'models',
    method: 'GET',
    url: `${ROOT}/v1/models`,
    result,
  };
}

const refused = (atMs = 0) => error('ECONNREFUSED', { atMs, message: 'connect ECONNREFUSED 127.0.0.1:8000' });
const loading = (atMs = 0) =>
  http(503, '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}', {
    atMs,
    stage: 'health',
  });
const log = (line: string, cause?: Cause, fatal?: boolean): Evidence => ({
  kind: 'log',
  atMs: 0,
  source: 'server log',
  line,
  ...(cause ? { cause, hint: `fix for ${cause}` } : {}),
  ...(fatal !== undefined ? { fatal } : {}),
});
const exit = (code: number | null, signal: string | null = null): Evidence => ({
  kind: 'exit',
  atMs: 0,
  code,
  signal,
  ended: 'shell',
});
const models = (...served: string[]): Evidence => ({ kind: 'models', atMs: 0, served });
const container = (over: Partial<Extract<Evidence, { kind: 'container' }>> = {}): Evidence => ({
  kind: 'container',
  atMs: 0,
  id: 'llm',
  status: 'running',
  exitCode: null,
  oomKilled: false,
  restartCount: 0,
  health: null,
  ...over,
});

function context(over: Partial<DiagnoseContext> = {}): DiagnoseContext {
  return {
    host: '127.0.0.1',
    port: 8000,
    root: ROOT,
    kind: undefined,
    requiredModels: [],
    apiKeyGiven: false,
    deadlineReached: false,
    timeoutMs: 60_000,
    watchingLogs: false,
    ...over,
  };
}

describe('settle: most specific evidence first', () => {
  it.each<{ name: string; evidence: Evidence[]; ctx?: Partial<DiagnoseContext>; cause: Cause | undefined }>([
    {
      name: 'cancelled beats everything',
      evidence: [loading(), exit(1), { kind: 'cancelled', atMs: 5, signal: 'SIGINT' }],
      cause: 'cancelled',
    },
    {
      name: 'container OOMKilled beats a fatal log line',
      evidence: [
        log('CUDA out of memory', 'out-of-memory', true),
        container({ oomKilled: true, status: 'exited', exitCode: 137 }),
      ],
      cause: 'out-of-memory',
    },
    {
      name: 'a fatal log line beats 503 loading',
      evidence: [loading(), log('GatedRepoError: 401', 'gated-model', true)],
      cause: 'gated-model',
    },
    {
      name: 'a fatal log line beats the exit it caused',
      evidence: [refused(), log('Address already in use', 'port-in-use', true), exit(1)],
      cause: 'port-in-use',
    },
    { name: 'exit beats refused', evidence: [refused(0), refused(100), exit(1)], cause: 'server-exited' },
    {
      name: 'a container that exited beats refused',
      evidence: [refused(), container({ status: 'exited', exitCode: 2 })],
      cause: 'server-exited',
    },
    {
      name: 'a non-fatal log line does not end the wait',
      evidence: [loading(), log('failed to initialize CUDA', 'server-exited', false)],
      cause: undefined,
    },
    {
      name: 'a required model missing from the list, at once even while health is 503',
      evidence: [models('a'), loading()],
      ctx: { requiredModels: ['b'] },
      cause: 'model-not-found',
    },
    {
      name: 'an empty list is no-models at once',
      evidence: [http(200, '{"data":[]}'), models()],
      cause: 'no-models',
    },
    {
      name: 'the model is served: nothing to say',
      evidence: [models('a'), http(200, '{}')],
      ctx: { requiredModels: ['a'] },
      cause: undefined,
    },
    {
      name: 'Ollama :latest is the same model',
      evidence: [models('llama3.2:latest')],
      ctx: { requiredModels: ['llama3.2'] },
      cause: undefined,
    },
    { name: '401 at once', evidence: [http(401, '{"error":"Unauthorized"}')], cause: 'unauthorized' },
    {
      name: '401 on the smoke request is unauthorized, not smoke-failed',
      evidence: [http(401, '', { stage: 'smoke' })],
      cause: 'unauthorized',
    },
    { name: 'smoke 500 at once', evidence: [http(500, 'boom', { stage: 'smoke' })], cause: 'smoke-failed' },
    {
      name: 'smoke 200 without choices',
      evidence: [http(200, '{}', { stage: 'smoke', problem: 'no choices' })],
      cause: 'smoke-failed',
    },
    { name: 'TLS at once', evidence: [error('TLS')], cause: 'tls-error' },
    {
      name: 'refused before the deadline: keep waiting',
      evidence: [refused(0), refused(100)],
      cause: undefined,
    },
    {
      name: 'refused at the deadline',
      evidence: [refused(0), refused(100)],
      ctx: { deadlineReached: true },
      cause: 'connection-refused',
    },
    {
      name: '503 loading before the deadline: keep waiting',
      evidence: [loading(0), loading(100), loading(200)],
      cause: undefined,
    },
    {
      name: '503 loading at the deadline',
      evidence: [refused(0), loading(100)],
      ctx: { deadlineReached: true },
      cause: 'still-loading',
    },
    {
      name: 'the last answer counts: refused then loading',
      evidence: [refused(0), loading(100)],
      ctx: { deadlineReached: true },
      cause: 'still-loading',
    },
    {
      name: 'a poll cut off by the deadline is not no-response',
      evidence: [loading(0), error('DEADLINE', { atMs: 100 })],
      ctx: { deadlineReached: true },
      cause: 'still-loading',
    },
    {
      name: 'a fingerprint probe that 404s is not a failure',
      evidence: [loading(0), http(404, '', { stage: 'detect', path: '/' })],
      ctx: { deadlineReached: true },
      cause: 'still-loading',
    },
    {
      name: 'nothing at all at the deadline',
      evidence: [],
      ctx: { deadlineReached: true },
      cause: 'no-response',
    },
    { name: 'nothing yet', evidence: [], cause: undefined },
  ])('$name', ({ evidence, ctx, cause }) => {
    expect(settle(evidence, context(ctx))?.cause).toBe(cause);
  });
});

describe('settle: persistent failures end the wait after a few identical answers', () => {
  const notFound = (atMs: number) => http(404, '{"detail":"Not Found"}', { atMs });
  const healthy = (atMs: number) => http(200, '', { atMs, stage: 'health' });
  it.each<{ name: string; evidence: Evidence[]; cause: Cause | undefined }>([
    { name: 'two 404s: not yet', evidence: [notFound(0), notFound(100)], cause: undefined },
    { name: 'three 404s', evidence: [notFound(0), notFound(100), notFound(200)], cause: 'not-an-llm-server' },
    {
      name: 'three 404s with passing health checks between them',
      evidence: [healthy(0), notFound(1), healthy(100), notFound(101), healthy(200), notFound(201)],
      cause: 'not-an-llm-server',
    },
    {
      name: 'a different failure in between restarts the count',
      evidence: [notFound(0), loading(100), notFound(200), notFound(300)],
      cause: undefined,
    },
    {
      name: 'three ENOTFOUND',
      evidence: [error('ENOTFOUND'), error('ENOTFOUND'), error('ENOTFOUND')],
      cause: 'dns-failure',
    },
    {
      name: 'EAI_AGAIN is temporary: waits',
      evidence: [error('EAI_AGAIN'), error('EAI_AGAIN'), error('EAI_AGAIN')],
      cause: undefined,
    },
    {
      name: 'three malformed lists',
      evidence: [1, 2, 3].map((t) => http(200, 'OK', { atMs: t, problem: 'the model list is not JSON' })),
      cause: 'bad-response',
    },
    {
      name: 'three HTML pages',
      evidence: [1, 2, 3].map((t) => http(200, '<!DOCTYPE html><html></html>', { atMs: t })),
      cause: 'not-an-llm-server',
    },
    {
      name: 'a proxy error page three times',
      evidence: [1, 2, 3].map((t) =>
        http(502, '<html>squid</html>', {
          atMs: t,
          viaProxy: 'http://proxy:3128 (from HTTP_PROXY)',
          headers: { 'x-squid-error': 'ERR_DNS_FAIL 0' },
        }),
      ),
      cause: 'proxy-intercept',
    },
    {
      name: '500 is not persistent: the server may recover',
      evidence: [1, 2, 3, 4].map((t) => http(500, 'oops', { atMs: t })),
      cause: undefined,
    },
  ])('$name', ({ evidence, cause }) => {
    expect(settle(evidence, context())?.cause).toBe(cause);
  });
});

describe('classifyAttempt: one answer on its own', () => {
  const via = 'http://127.0.0.1:3128 (from HTTP_PROXY)';
  it.each<{ name: string; attempt: Attempt; cause: Cause | undefined }>([
    { name: 'llama.cpp 503 Loading model', attempt: loading(), cause: 'still-loading' },
    { name: 'SGLang /health 503 empty', attempt: http(503, '', { stage: 'health' }), cause: 'still-loading' },
    {
      name: 'LocalAI /readyz starting',
      attempt: http(503, '{"status":"starting","reason":"startup preload in progress"}'),
      cause: 'still-loading',
    },
    {
      name: 'TGI unhealthy: a shard failed, TGI does not listen while loading',
      attempt: http(503, '{"error":"unhealthy","error_type":"healthcheck"}'),
      cause: 'server-error',
    },
    {
      name: 'LiteLLM readiness exception',
      attempt: http(503, '{"detail":"Service Unhealthy (db)"}'),
      cause: 'server-error',
    },
    {
      name: 'a warmup in progress',
      attempt: http(503, '{"detail":"model is warming up"}'),
      cause: 'still-loading',
    },
    {
      name: '503 with another message',
      attempt: http(503, '{"error":"EngineDeadError"}'),
      cause: 'server-error',
    },
    { name: '500', attempt: http(500, 'Internal Server Error'), cause: 'server-error' },
    { name: '429 rate limited', attempt: http(429, '{}'), cause: 'server-error' },
    { name: '404', attempt: http(404, '{"detail":"Not Found"}'), cause: 'not-an-llm-server' },
    { name: '405', attempt: http(405, ''), cause: 'not-an-llm-server' },
    { name: '418 is some other answer', attempt: http(418, 'teapot'), cause: 'bad-response' },
    {
      name: 'a body cut at the size bound',
      attempt: http(200, '{"data":[', { truncated: true }),
      cause: 'bad-response',
    },
    { name: '200 and a good list', attempt: http(200, '{"data":[]}'), cause: undefined },
    { name: '403', attempt: http(403, ''), cause: 'unauthorized' },
    {
      name: 'squid error page through the proxy',
      attempt: http(502, '<html></html>', { viaProxy: via, headers: { server: 'squid/6.6' } }),
      cause: 'proxy-intercept',
    },
    { name: '407 from the proxy', attempt: http(407, '', { viaProxy: via }), cause: 'proxy-intercept' },
    {
      name: 'HTML 503 through a proxy',
      attempt: http(503, '<!DOCTYPE html><html>unavailable</html>', { viaProxy: via }),
      cause: 'proxy-intercept',
    },
    {
      name: "the server's JSON 503 through a proxy that adds Via",
      attempt: http(503, '{"error":{"message":"Loading model"}}', {
        viaProxy: via,
        headers: { via: '1.1 squid' },
      }),
      cause: 'still-loading',
    },
    {
      name: 'squid headers without a proxy in use are just headers',
      attempt: http(200, '{"data":[]}', { headers: { 'x-squid-error': 'x' } }),
      cause: undefined,
    },
    { name: 'proxy refused', attempt: error('ECONNREFUSED', { viaProxy: via }), cause: 'proxy-intercept' },
    {
      name: 'CONNECT refused by the proxy',
      attempt: error('PROXY', { viaProxy: via }),
      cause: 'proxy-intercept',
    },
    { name: 'ECONNRESET', attempt: error('ECONNRESET'), cause: 'no-response' },
    { name: 'TIMEOUT', attempt: error('TIMEOUT'), cause: 'no-response' },
    { name: 'unparsable HTTP', attempt: error('BAD_HTTP'), cause: 'bad-response' },
    { name: 'host unreachable', attempt: error('EHOSTUNREACH'), cause: 'connection-refused' },
  ])('$name', ({ attempt, cause }) => {
    expect(classifyAttempt(attempt)?.cause).toBe(cause);
  });
});

describe('findings say what is wrong and how to fix it', () => {
  it('connection refused names host:port, the usual causes and the kind default port', () => {
    const f = settle([refused(0), refused(100)], context({ deadlineReached: true, kind: 'vllm' }))!;
    expect(plainText(f.summary)).toBe(
      'Connection refused on 127.0.0.1:8000 for 1 min: nothing is listening there.',
    );
    expect(plainText(f.hint)).toContain('vLLM defaults to 8000');
    expect(plainText(f.hint)).toContain('service label');
    expect(f.evidence[0]).toMatchObject({ kind: 'attempt', result: { code: 'ECONNREFUSED' } });
  });

  it('refused after the server had answered: it probably crashed', () => {
    const f = settle(
      [http(200, '', { stage: 'health', atMs: 2000 }), refused(3000)],
      context({ deadlineReached: true }),
    )!;
    expect(f.cause).toBe('connection-refused');
    expect(plainText(f.summary)).toContain('answered at 2.0 s (HTTP 200) and then stopped listening');
  });

  it.each([
    {
      name: 'a bare service label',
      host: 'vllm',
      hint: /service label such as "vllm" resolves only inside a container job/,
    },
    { name: 'a dotted name', host: 'llm.example.com', hint: /typos/ },
  ])('dns-failure for $name', ({ host, hint }) => {
    const f = settle([error('ENOTFOUND'), error('ENOTFOUND'), error('ENOTFOUND')], context({ host }))!;
    expect(plainText(f.summary)).toContain(`"${host}" does not resolve`);
    expect(plainText(f.hint)).toMatch(hint);
  });

  it('model-not-found lists what is served and the closest match', () => {
    const f = settle(
      [models('Qwen/Qwen2.5-0.5B-Instruct', 'other')],
      context({ requiredModels: ['qwen/qwen2.5-0.5b-instruct'] }),
    )!;
    expect(plainText(f.summary)).toBe(
      '"qwen/qwen2.5-0.5b-instruct" is not served; did you mean "Qwen/Qwen2.5-0.5B-Instruct"? The server lists: Qwen/Qwen2.5-0.5B-Instruct, other.',
    );
  });

  it('a long served list is shortened in the summary', () => {
    const served = Array.from({ length: 25 }, (_, i) => `model-${i}`);
    const f = settle([models(...served)], context({ requiredModels: ['zzz'] }))!;
    expect(plainText(f.summary)).toContain('… (25 in all)');
  });

  it('still-loading quotes the last answer and the deadline', () => {
    const f = settle([loading(0)], context({ deadlineReached: true, timeoutMs: 90_000 }))!;
    expect(plainText(f.summary)).toContain('still loading when the deadline of 1 min 30 s passed');
    expect(plainText(f.summary)).toContain('Loading model');
    expect(plainText(f.hint)).toContain('Raise timeout');
  });

  it('unauthorized with a key sent says the key is wrong', () => {
    const f = settle([http(401, '')], context({ apiKeyGiven: true }))!;
    expect(plainText(f.summary)).toContain('although an api-key was sent');
    expect(plainText(f.hint)).toContain('wrong');
  });

  it('an empty 403 from Ollama points at its host guard', () => {
    const f = settle([http(403, '', { stage: 'health', path: '/' })], context({ kind: 'ollama' }))!;
    expect(plainText(f.hint)).toContain('OLLAMA_HOST=0.0.0.0');
  });

  it('a health route a forced kind lacks names the server input', () => {
    const notFound = (t: number) => http(404, '', { stage: 'health', path: '/health/readiness', atMs: t });
    const f = settle([notFound(0), notFound(1), notFound(2)], context({ kind: 'litellm' }))!;
    expect(f.cause).toBe('not-an-llm-server');
    expect(plainText(f.hint)).toContain('server: litellm');
  });

  it('evidence is bounded', () => {
    const lines = Array.from({ length: 50 }, (_, i) => log(`line ${i}`));
    const f = settle([...lines, exit(1)], context())!;
    expect(f.evidence.length).toBeLessThanOrEqual(12);
  });
});

describe('causes: each one the code can name is in the contract, and each comes from a rule', () => {
  const logCauses = new Set(
    [undefined, ...SERVER_KINDS].flatMap((kind) => signaturesFor(kind).map((s) => s.cause)),
  );
  const declared = (rule: Rule): Cause[] => [...rule.produces, ...(rule.passesLogCause ? logCauses : [])];
  const pull: Evidence = {
    kind: 'pull',
    atMs: 0,
    model: 'llama3.2:1b',
    status: 'pulling manifest',
    failure: { reason: 'server-error', message: 'pull model manifest: file does not exist' },
  };
  const sick: Evidence = { kind: 'backend', atMs: 0, model: 'gpt-x', healthy: false, error: 'refused' };
  const thrice = (attempt: (atMs: number) => Attempt) => [0, 1, 2].map(attempt);
  const atDeadline = { deadlineReached: true };
  /** One timeline per way to a cause; together they reach every rule. */
  const timelines: { name: string; evidence: Evidence[]; ctx?: Partial<DiagnoseContext>; rule: string }[] = [
    { name: 'cancelled', evidence: [{ kind: 'cancelled', atMs: 0, signal: 'SIGTERM' }], rule: 'cancelled' },
    {
      name: 'OOMKilled',
      evidence: [container({ oomKilled: true, status: 'exited', exitCode: 137 })],
      rule: 'container OOMKilled',
    },
    { name: 'gated', evidence: [log('GatedRepoError', 'gated-model', true)], rule: 'fatal log line' },
    { name: 'port', evidence: [log('address in use', 'port-in-use', true)], rule: 'fatal log line' },
    {
      name: 'exit explained by a line',
      evidence: [log('429 from the Hub', 'model-download-failed', false), exit(1)],
      rule: 'server process or container ended',
    },
    { name: 'exit', evidence: [exit(127)], rule: 'server process or container ended' },
    { name: 'container missing', evidence: [container({ status: 'missing' })], rule: 'container missing' },
    { name: 'pull', evidence: [pull], rule: 'pull failed' },
    { name: 'backend', evidence: [sick], rule: 'backends unhealthy' },
    { name: 'no models', evidence: [models()], rule: 'models missing' },
    {
      name: 'missing model',
      evidence: [models('a')],
      ctx: { requiredModels: ['b'] },
      rule: 'models missing',
    },
    { name: 'nothing', evidence: [], ctx: atDeadline, rule: 'no answer at the deadline' },
    { name: 'refused', evidence: [refused()], ctx: atDeadline, rule: 'last attempt due' },
    { name: 'dns', evidence: thrice(() => error('ENOTFOUND')), rule: 'last attempt due' },
    { name: 'proxy', evidence: thrice(() => error('PROXY', { viaProxy: 'p' })), rule: 'last attempt due' },
    { name: 'reset', evidence: [error('ECONNRESET')], ctx: atDeadline, rule: 'last attempt due' },
    { name: 'tls', evidence: [error('TLS')], rule: 'last attempt due' },
    { name: 'loading', evidence: [loading()], ctx: atDeadline, rule: 'last attempt due' },
    { name: '500', evidence: [http(500, 'boom')], ctx: atDeadline, rule: 'last attempt due' },
    { name: '404', evidence: thrice((atMs) => http(404, '', { atMs })), rule: 'last attempt due' },
    { name: '401', evidence: [http(401, '')], rule: 'last attempt due' },
    { name: '418', evidence: thrice((atMs) => http(418, 'teapot', { atMs })), rule: 'last attempt due' },
    { name: 'smoke', evidence: [http(500, '', { stage: 'smoke' })], rule: 'last attempt due' },
  ];
  const decided = timelines.map((t) => ({ ...t, decision: decide(t.evidence, context(t.ctx)) }));

  it('every cause a rule declares, a request can name or a log signature gives is in CAUSES', () => {
    for (const rule of RULES) for (const cause of declared(rule)) expect(CAUSES).toContain(cause);
  });

  it('each cause a request can name has exactly one explainer, and it gives that cause', () => {
    expect(Object.keys(EXPLAINERS).sort()).toEqual([...ATTEMPT_CAUSES].sort());
    const explained = decided.filter((d) => d.rule === 'last attempt due');
    const given = new Set(explained.map((d) => d.decision?.finding.cause));
    expect([...given].sort()).toEqual([...ATTEMPT_CAUSES].sort());
    for (const d of explained) {
      const attempt = d.evidence.at(-1) as Attempt;
      expect(d.decision?.finding.cause).toBe(classifyAttempt(attempt)?.cause);
    }
  });

  it.each(decided)('$name: decided by "$rule", with a cause that rule declares', ({ rule, decision }) => {
    expect(decision?.rule.name).toBe(rule);
    expect(declared(decision!.rule)).toContain(decision!.finding.cause);
  });

  it('every CAUSES entry comes from some rule, save invalid-input (the input check gives it)', () => {
    const fromRules = new Set(RULES.flatMap(declared));
    const reached = new Set(decided.map((d) => d.decision?.finding.cause));
    const expected = CAUSES.filter((c) => c !== 'invalid-input');
    expect(expected.filter((c) => !fromRules.has(c))).toEqual([]);
    expect(expected.filter((c) => !reached.has(c))).toEqual([]);
  });

  it('the rules run in the documented order', () => {
    expect(RULES.map((r) => r.name)).toEqual([
      'cancelled',
      'container OOMKilled',
      'fatal log line',
      'server process or container ended',
      'container missing',
      'pull failed',
      'backends unhealthy',
      'models missing',
      'no answer at the deadline',
      'refused where ours does not listen',
      'last attempt due',
    ]);
  });
});
