import { describe, expect, it } from 'vitest';
import { classifyAttempt } from '../../src/diagnose/index.js';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { preflight, type Progress } from '../../src/engine/preflight.js';
import type { Evidence, PreflightResult } from '../../src/types.js';
import {
  closedPort,
  FAKE_VERSIONS,
  startFakeServer,
  type FakeKind,
  type FakeOptions,
  type FakeServer,
} from '../support/fake-server.js';
import { plainText } from '../../src/text.js';

/** Runs the engine as the action does (real config parsing, real redactor), with no proxy variables. */
async function check(
  raw: RawInputs,
  options: { env?: Record<string, string>; onProgress?: (p: Progress) => void } = {},
): Promise<PreflightResult> {
  const parsed = parseInputs({ timeout: '10s', 'request-timeout': '2s', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  const config = parsed.config;
  return preflight(config, {
    env: options.env ?? {},
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

type Attempt = Extract<Evidence, { kind: 'attempt' }>;
const attempts = (result: PreflightResult): Attempt[] =>
  result.endpoints[0]!.timeline.filter((e): e is Attempt => e.kind === 'attempt');
const causesSeen = (result: PreflightResult) =>
  new Set(attempts(result).map((a) => classifyAttempt(a)?.cause ?? 'ok'));

/**
 * A server that refuses connections first, like vLLM, SGLang and TGI while the model loads (the port is
 * bound but not listening). It starts listening only once the preflight has seen a refusal, so the refusing
 * phase is in every timeline without a sleep.
 */
async function refusingThenServing(options: FakeOptions): Promise<{
  url: string;
  onProgress: (p: Progress) => void;
  server: () => Promise<FakeServer | undefined>;
}> {
  const port = await closedPort();
  let starting: Promise<FakeServer> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    onProgress: ({ evidence }) => {
      if (
        !starting &&
        evidence.kind === 'attempt' &&
        evidence.result.kind === 'error' &&
        evidence.result.code === 'ECONNREFUSED'
      )
        starting = startFakeServer({ ...options, port });
    },
    server: async () => starting,
  };
}

interface Lifecycle {
  kind: FakeKind;
  /** What the server lists. */
  served: string[];
  /** What the workflow asks for. */
  model: string;
  /** Refuses connections before it listens (docs/servers.md §1, §2, §6). */
  refusesFirst: boolean;
  /** Then answers "loading" its own way for this many requests. */
  loadingRequests: number;
  /** The kind reports readiness by a route of its own (health, readyz, readiness, GET /). */
  healthPath?: string;
}

const LIFECYCLES: Lifecycle[] = [
  {
    kind: 'vllm',
    served: ['Qwen/Qwen2.5-0.5B-Instruct'],
    model: 'Qwen/Qwen2.5-0.5B-Instruct',
    refusesFirst: true,
    loadingRequests: 0,
    healthPath: '/health',
  },
  {
    kind: 'sglang',
    served: ['Qwen/Qwen2.5-0.5B-Instruct'],
    model: 'Qwen/Qwen2.5-0.5B-Instruct',
    refusesFirst: true,
    loadingRequests: 3,
    healthPath: '/health',
  },
  {
    kind: 'litellm',
    served: ['gpt-4o-mini', 'local-qwen'],
    model: 'local-qwen',
    refusesFirst: false,
    loadingRequests: 0,
    healthPath: '/health/readiness',
  },
  {
    kind: 'ollama',
    served: ['llama3.2:latest', 'qwen2.5:0.5b'],
    model: 'llama3.2',
    refusesFirst: false,
    loadingRequests: 0,
    healthPath: '/',
  },
  {
    kind: 'llamacpp',
    served: ['tiny-llama'],
    model: 'tiny-llama',
    refusesFirst: false,
    loadingRequests: 3,
    healthPath: '/health',
  },
  {
    // TGI binds only after download, shard start and warmup: refused, then ready at once.
    kind: 'tgi',
    served: ['Qwen/Qwen2.5-0.5B-Instruct'],
    model: 'Qwen/Qwen2.5-0.5B-Instruct',
    refusesFirst: true,
    loadingRequests: 0,
    healthPath: '/health',
  },
  {
    kind: 'localai',
    served: ['qwen2.5-0.5b-instruct', 'whisper-1'],
    model: 'qwen2.5-0.5b-instruct',
    refusesFirst: false,
    loadingRequests: 3,
    healthPath: '/readyz',
  },
  {
    kind: 'lmstudio',
    served: ['qwen2.5-7b-instruct'],
    model: 'qwen2.5-7b-instruct',
    refusesFirst: false,
    loadingRequests: 0,
  },
  { kind: 'openai', served: ['my-model'], model: 'my-model', refusesFirst: false, loadingRequests: 0 },
];

describe.each(LIFECYCLES)('$kind through its lifecycle', (life) => {
  const start = async (extra: Partial<FakeOptions> = {}) => {
    const options: FakeOptions = {
      kind: life.kind,
      models: life.served,
      loadingRequests: life.loadingRequests,
      ...extra,
    };
    if (life.refusesFirst) return refusingThenServing(options);
    const server = await startFakeServer(options);
    return { url: server.url, onProgress: () => {}, server: async () => server };
  };

  it.each(['auto', life.kind])('is ready with server: %s', async (serverInput) => {
    const target = await start();
    try {
      const result = await check(
        { 'base-url': target.url, model: life.model, server: serverInput },
        { onProgress: target.onProgress },
      );
      expect(result.finding).toBeUndefined();
      expect(result.ready).toBe(true);
      const endpoint = result.endpoints[0]!;
      expect(endpoint.server).toBe(life.kind);
      expect(endpoint.models).toEqual(life.served);
      expect(endpoint.baseUrl).toBe(`${target.url}/v1`);
      const version = FAKE_VERSIONS[life.kind];
      if (version) expect(endpoint.serverVersion).toBe(version);
      else expect(endpoint.serverVersion).toBeUndefined();
      // The timeline shows the lifecycle the server went through.
      const seen = causesSeen(result);
      if (life.refusesFirst) expect(seen).toContain('connection-refused');
      if (life.loadingRequests > 0) expect(seen).toContain('still-loading');
      if (life.healthPath) {
        const healthy = attempts(result).findLast((a) => a.stage === 'health');
        expect(new URL(healthy!.url).pathname).toBe(life.healthPath);
      }
    } finally {
      await (await target.server())?.close();
    }
  });
});

interface KeyCase {
  kind: FakeKind;
  /** Without the key, /v1/models (or the health route) is refused: the preflight names unauthorized. */
  listGuarded: boolean;
}

// Which routes each kind guards (docs/servers.md): vLLM only /v1*, SGLang all but /health*, LiteLLM all but the
// public health routes, LocalAI all but /healthz and /readyz, llama.cpp and TGI leave the list public.
const KEY_CASES: KeyCase[] = [
  { kind: 'vllm', listGuarded: true },
  { kind: 'sglang', listGuarded: true },
  { kind: 'litellm', listGuarded: true },
  { kind: 'localai', listGuarded: true },
  { kind: 'lmstudio', listGuarded: true },
  { kind: 'openai', listGuarded: true },
  { kind: 'llamacpp', listGuarded: false },
  { kind: 'tgi', listGuarded: false },
];

describe.each(KEY_CASES)('$kind with an api-key', ({ kind, listGuarded }) => {
  const key = `sk-${kind}-secret-0123456789`;

  it.each(['auto', kind])(
    'is ready when the key is sent (server: %s), smoke included',
    async (serverInput) => {
      await using server = await startFakeServer({ kind, models: ['m-1'], apiKey: key });
      const result = await check({
        'base-url': server.url,
        'api-key': key,
        model: 'm-1',
        server: serverInput,
        smoke: 'true',
      });
      expect(result.finding).toBeUndefined();
      expect(result.endpoints[0]).toMatchObject({ ready: true, server: kind, models: ['m-1'] });
      expect(result.endpoints[0]!.smoke).toMatchObject([{ model: 'm-1', ok: true }]);
      const version = FAKE_VERSIONS[kind];
      if (version) expect(result.endpoints[0]!.serverVersion).toBe(version);
      // Every request carried the key, and nothing in the result repeats it.
      expect(server.requests.every((r) => r.authorization === `Bearer ${key}`)).toBe(true);
      expect(JSON.stringify(result)).not.toContain(key);
    },
  );

  it(`without the key: ${listGuarded ? 'unauthorized at once' : 'the list is public, the smoke completion is not'}`, async () => {
    await using server = await startFakeServer({ kind, models: ['m-1'], apiKey: key });
    const result = await check({ 'base-url': server.url, model: 'm-1', smoke: 'true', timeout: '60s' });
    expect(result.ready).toBe(false);
    expect(result.finding?.cause).toBe('unauthorized');
    expect(plainText(result.finding?.summary)).toContain('401');
    expect(plainText(result.finding?.summary)).toContain('no api-key was given');
    expect(plainText(result.finding?.hint)).toContain('api-key');
    // Settled on the first 401, not by waiting for the 60 s deadline.
    expect(attempts(result).filter((a) => classifyAttempt(a)?.cause === 'unauthorized')).toHaveLength(1);
  });
});

describe('ollama has no auth', () => {
  it('ignores an api-key and is ready', async () => {
    await using server = await startFakeServer({ kind: 'ollama', models: ['qwen2.5:0.5b'] });
    const result = await check({
      'base-url': server.url,
      'api-key': 'sk-unused-0123456789',
      model: 'qwen2.5:0.5b',
    });
    expect(result.endpoints[0]).toMatchObject({ ready: true, server: 'ollama' });
  });
});

describe('addresses', () => {
  it.each([
    { name: 'localhost, server bound only to ::1', bind: '::1' },
    { name: 'localhost, server bound only to 127.0.0.1', bind: '127.0.0.1' },
  ])('$name', async ({ bind }) => {
    await using server = await startFakeServer({ kind: 'vllm', models: ['m'], host: bind });
    const result = await check({ 'base-url': `http://localhost:${server.port}`, model: 'm' });
    expect(result.finding).toBeUndefined();
    expect(result.endpoints[0]).toMatchObject({
      ready: true,
      server: 'vllm',
      baseUrl: `http://localhost:${server.port}/v1`,
    });
  });

  it.each([
    { name: 'without /v1', suffix: '' },
    { name: 'with /v1', suffix: '/v1' },
    { name: 'with /v1/', suffix: '/v1/' },
    { name: 'with a trailing slash', suffix: '/' },
  ])('base-url $name means the same server', async ({ suffix }) => {
    await using server = await startFakeServer({ kind: 'llamacpp', models: ['m'] });
    const result = await check({ 'base-url': `${server.url}${suffix}`, model: 'm' });
    expect(result.endpoints[0]).toMatchObject({
      ready: true,
      server: 'llamacpp',
      baseUrl: `${server.url}/v1`,
    });
    // Never /v1/v1/models.
    expect(server.requests.map((r) => r.path)).not.toContain('/v1/v1/models');
  });

  it('an IPv6 literal base-url works', async () => {
    await using server = await startFakeServer({ kind: 'sglang', models: ['m'], host: '::1' });
    const result = await check({ 'base-url': `http://[::1]:${server.port}`, model: 'm' });
    expect(result.endpoints[0]).toMatchObject({ ready: true, server: 'sglang' });
  });
});

describe('auto-detect', () => {
  it.each([
    {
      name: 'owned_by "openai" like LiteLLM, but no /health/readiness',
      list: { object: 'list', data: [{ id: 'gpt-x', object: 'model', created: 1, owned_by: 'openai' }] },
    },
    {
      name: 'entries without owned_by like LocalAI, but no /readyz',
      list: { object: 'list', data: [{ id: 'gpt-x', object: 'model' }] },
    },
  ])('a lookalike generic server: $name', async ({ list }) => {
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (req, res) => {
        if (req.url !== '/v1/models') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(list));
        return true;
      },
    });
    const result = await check({ 'base-url': server.url, model: 'gpt-x', timeout: '60s' });
    expect(result.finding).toBeUndefined();
    expect(result.endpoints[0]).toMatchObject({ ready: true, server: 'openai', models: ['gpt-x'] });
  });

  it('a forced kind whose health route is missing names the server input', async () => {
    await using server = await startFakeServer({ kind: 'openai', models: ['m'] });
    const result = await check({ 'base-url': server.url, server: 'litellm', timeout: '60s' });
    expect(result.finding?.cause).toBe('not-an-llm-server');
    expect(plainText(result.finding?.summary)).toContain('/health/readiness gave HTTP 404');
    expect(plainText(result.finding?.hint)).toContain('server: litellm');
    expect(plainText(result.finding?.hint)).toContain('server: auto');
  });

  it('a malformed list is not mistaken for a kind by its missing fields', async () => {
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (req, res) => {
        if (req.url !== '/v1/models') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":[{"id":42}]}');
        return true;
      },
    });
    const result = await check({ 'base-url': server.url, timeout: '60s' });
    expect(result.finding?.cause).toBe('bad-response');
    expect(result.endpoints[0]!.server).toBe('unknown');
    expect(server.requests.map((r) => r.path)).not.toContain('/readyz');
  });

  it('llama.cpp is told by its Server header even while every route answers 503', async () => {
    await using server = await startFakeServer({
      kind: 'llamacpp',
      models: ['m'],
      loadingUntilReleased: true,
    });
    const result = await check({ 'base-url': server.url, timeout: '1s' });
    expect(result.finding?.cause).toBe('still-loading');
    expect(result.endpoints[0]!.server).toBe('llamacpp');
    expect(server.requests.map((r) => r.path)).toContain('/health');
  });

  it('health passes while the model list is still 503: waits, then is ready', async () => {
    let listAnswers = 0;
    await using server = await startFakeServer({
      kind: 'vllm',
      models: ['m'],
      handle: (req, res) => {
        if (req.url !== '/v1/models' || ++listAnswers > 3) return false;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"Loading","code":503}}');
        return true;
      },
    });
    const result = await check({ 'base-url': server.url, server: 'vllm', model: 'm' });
    expect(result.finding).toBeUndefined();
    expect(result.ready).toBe(true);
    const stages = attempts(result).map(
      (a) => `${a.stage}:${a.result.kind === 'http' ? a.result.status : '-'}`,
    );
    expect(stages.slice(0, 6)).toEqual([
      'health:200',
      'models:503',
      'health:200',
      'models:503',
      'health:200',
      'models:503',
    ]);
  });
});
