import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseInputs, type Config, type RawInputs } from '../../src/config/schema.js';
import {
  BACKENDS_RECORDED_MAX,
  cleanBackendError,
  parseBackendHealth,
} from '../../src/servers/litellm-backends.js';
import { preflight } from '../../src/engine/preflight.js';
import { createRedactor } from '../../src/redact.js';
import { toJsonReport } from '../../src/report/json.js';
import { renderRedactedSummary } from '../../src/report/markdown.js';
import type { Evidence } from '../../src/types.js';
import { startFakeServer } from '../support/fake-server.js';
import { plainText } from '../../src/text.js';
import { presentResult } from '../../src/report/present.js';

const MASTER_KEY = 'sk-master-key-for-tests-0123456789';

// What LiteLLM's GET /health returns (docs/servers.md §3): litellm_params without secrets, 200 whatever the backends say.
const HEALTHY_QWEN = {
  model: 'hosted_vllm/Qwen/Qwen2.5-0.5B-Instruct',
  api_base: 'http://127.0.0.1:8000/v1',
};
const DEAD_LLAMA = {
  model: 'ollama/llama3.2:1b',
  api_base: 'http://127.0.0.1:11434',
  error:
    'litellm.APIConnectionError: OllamaException - [Errno 111] Connection refused\nstack trace: Traceback (most recent call last):\n  File "/usr/lib/python3.12/site-packages/litellm/main.py", line 2890, in completion\n    response = ollama.completion(',
};

/** A LiteLLM proxy with a master key whose /health says `health` (or runs `answer`). */
async function litellm(health: unknown | ((res: ServerResponse) => void)) {
  const server = await startFakeServer({
    kind: 'litellm',
    apiKey: MASTER_KEY,
    models: ['qwen', 'llama'],
    handle: (req: IncomingMessage, res: ServerResponse) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/health') return false;
      if (req.headers.authorization !== `Bearer ${MASTER_KEY}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: 'Authentication Error, No api key passed in.', code: '401' } }),
        );
        return true;
      }
      if (typeof health === 'function') {
        (health as (res: ServerResponse) => void)(res);
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/json', server: 'uvicorn' });
      res.end(JSON.stringify(health));
      return true;
    },
  });
  return server;
}

function config(raw: RawInputs): Config {
  const parsed = parseInputs({ timeout: '10s', 'api-key': MASTER_KEY, ...raw });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

const deps = () => ({ env: {} });
/** The edge's redactor, as the action makes it from the inputs. */
const redact = createRedactor([MASTER_KEY]);

const backends = (timeline: Evidence[]) =>
  timeline.filter((e): e is Extract<Evidence, { kind: 'backend' }> => e.kind === 'backend');

describe('deep: true on a LiteLLM proxy', () => {
  it('names backend-unhealthy, which backend and why, when the proxy is up but a backend is down', async () => {
    await using server = await litellm({
      healthy_endpoints: [HEALTHY_QWEN],
      unhealthy_endpoints: [DEAD_LLAMA],
      healthy_count: 1,
      unhealthy_count: 1,
    });
    const result = await preflight(config({ 'base-url': server.url, deep: 'true' }), deps());

    expect(result.ready).toBe(false);
    expect(result.finding?.cause).toBe('backend-unhealthy');
    expect(plainText(result.finding?.summary)).toContain('1 of 2 backends fail');
    expect(plainText(result.finding?.summary)).toContain('ollama/llama3.2:1b at http://127.0.0.1:11434');
    expect(plainText(result.finding?.summary)).toContain('[Errno 111] Connection refused');
    // The traceback LiteLLM appends is not the reason; it stays out.
    expect(plainText(result.finding?.summary)).not.toContain('stack trace');
    expect(result.finding?.evidence).toEqual([
      expect.objectContaining({
        kind: 'backend',
        model: 'ollama/llama3.2:1b at http://127.0.0.1:11434',
        healthy: false,
      }),
    ]);
    expect(backends(result.endpoints[0]!.timeline).map((b) => b.healthy)).toEqual([false, true]);
    // /health was asked with the key, once.
    const asked = server.requests.filter((r) => r.path === '/health');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.authorization).toBe(`Bearer ${MASTER_KEY}`);
    const summary = renderRedactedSummary(result, { tails: [] }, redact);
    expect(summary).toContain('backend-unhealthy');
    expect(summary).toContain('ollama/llama3.2:1b');
  });

  it('is ready when every backend passes, with the backends in the timeline', async () => {
    await using server = await litellm({
      healthy_endpoints: [HEALTHY_QWEN, { model: 'ollama/llama3.2:1b', api_base: 'http://127.0.0.1:11434' }],
      unhealthy_endpoints: [],
      healthy_count: 2,
      unhealthy_count: 0,
    });
    const result = await preflight(config({ 'base-url': server.url, deep: 'true' }), deps());

    expect(result.ready).toBe(true);
    expect(renderRedactedSummary(result, { tails: [] }, redact)).toContain(
      "Backends: 2 of 2 healthy \\(the proxy's /health\\).",
    );
    expect(backends(result.endpoints[0]!.timeline)).toEqual([
      expect.objectContaining({ model: `${HEALTHY_QWEN.model} at ${HEALTHY_QWEN.api_base}`, healthy: true }),
      expect.objectContaining({ model: 'ollama/llama3.2:1b at http://127.0.0.1:11434', healthy: true }),
    ]);
  });

  it('costs nothing unless asked: without deep, /health is never called', async () => {
    await using server = await litellm({ healthy_endpoints: [], unhealthy_endpoints: [DEAD_LLAMA] });
    const result = await preflight(config({ 'base-url': server.url }), deps());

    expect(result.ready).toBe(true);
    expect(server.requests.map((r) => r.path)).not.toContain('/health');
  });

  it('says so when /health hangs on a backend, within the overall deadline', async () => {
    // LiteLLM waits for every backend before it answers /health; one that hangs holds the answer.
    await using server = await litellm(() => {});
    const result = await preflight(config({ 'base-url': server.url, deep: 'true', timeout: '2s' }), deps());

    expect(result.finding?.cause).toBe('backend-unhealthy');
    expect(plainText(result.finding?.summary)).toMatch(/GET \/health\) gave no answer in time/);
    expect(result.finding?.evidence[0]).toMatchObject({ kind: 'attempt', stage: 'backends' });
  });

  it('calls a /health answer of another shape a bad response', async () => {
    await using server = await litellm({ status: 'healthy' });
    const result = await preflight(config({ 'base-url': server.url, deep: 'true' }), deps());

    expect(result.finding?.cause).toBe('bad-response');
    expect(plainText(result.finding?.summary)).toMatch(/no healthy_endpoints\/unhealthy_endpoints/);
  });

  it('keeps every unhealthy backend ahead of healthy ones when there are more than it records', async () => {
    const many = (n: number, prefix: string, error?: string) =>
      Array.from({ length: n }, (_, i) => ({ model: `${prefix}-${i}`, ...(error ? { error } : {}) }));
    await using server = await litellm({
      healthy_endpoints: many(40, 'ok'),
      unhealthy_endpoints: many(30, 'down', 'Timeout exceeded'),
      healthy_count: 40,
      unhealthy_count: 30,
    });
    const result = await preflight(config({ 'base-url': server.url, deep: 'true' }), deps());

    const recorded = backends(result.endpoints[0]!.timeline);
    expect(recorded).toHaveLength(BACKENDS_RECORDED_MAX);
    expect(recorded.filter((b) => !b.healthy)).toHaveLength(30);
    const notes = result.endpoints[0]!.timeline.flatMap((e) =>
      e.kind === 'note' ? [plainText(e.text)] : [],
    );
    expect(notes).toContain('20 more backends not shown');
    expect(plainText(result.finding?.summary)).toContain(`30 of ${BACKENDS_RECORDED_MAX} backends fail`);
  });

  it('never prints a key that a backend error quotes', async () => {
    await using server = await litellm({
      healthy_endpoints: [],
      unhealthy_endpoints: [
        {
          model: 'openai/gpt-4o-mini',
          error: `AuthenticationError: Incorrect API key provided: ${MASTER_KEY}`,
        },
      ],
    });
    const result = await preflight(config({ 'base-url': server.url, deep: 'true' }), deps());

    expect(result.finding?.cause).toBe('backend-unhealthy');
    const everything =
      JSON.stringify(toJsonReport(presentResult(result, redact), { tails: [] })) +
      renderRedactedSummary(result, { tails: [] }, redact);
    expect(everything).not.toContain(MASTER_KEY);
    expect(everything).toContain('Incorrect API key provided');
  });
});

describe("LiteLLM's /health answer", () => {
  it.each([
    {
      name: 'counts taken from the lists when the proxy leaves them out',
      json: { healthy_endpoints: [{ model: 'a' }], unhealthy_endpoints: [] },
      parsed: { ok: true, backends: [{ model: 'a', healthy: true }], healthyCount: 1, unhealthyCount: 0 },
    },
    {
      name: 'an error given as an object is kept as text',
      json: {
        healthy_endpoints: [],
        unhealthy_endpoints: [{ model: 'b', error: { message: 'Timeout exceeded' } }],
      },
      parsed: {
        ok: true,
        backends: [{ model: 'b', healthy: false, error: '{"message":"Timeout exceeded"}' }],
        healthyCount: 0,
        unhealthyCount: 1,
      },
    },
    {
      name: 'an unhealthy entry without a message still counts',
      json: { unhealthy_endpoints: [{ model_name: 'alias-only' }] },
      parsed: {
        ok: true,
        backends: [{ model: 'alias-only', healthy: false, error: 'no error message' }],
        healthyCount: 0,
        unhealthyCount: 1,
      },
    },
    { name: 'no lists at all', json: { status: 'healthy' }, parsed: { ok: false } },
    { name: 'a list of the wrong type', json: { healthy_endpoints: 'all' }, parsed: { ok: false } },
    { name: 'not an object', json: ['a'], parsed: { ok: false } },
  ])('$name', ({ json, parsed }) => {
    expect(parseBackendHealth(json)).toMatchObject(parsed);
  });

  it('keeps the reason and drops the traceback LiteLLM appends', () => {
    expect(cleanBackendError(DEAD_LLAMA.error)).toBe(
      'litellm.APIConnectionError: OllamaException - [Errno 111] Connection refused',
    );
    expect(cleanBackendError('x'.repeat(1000))).toHaveLength(300);
  });
});
