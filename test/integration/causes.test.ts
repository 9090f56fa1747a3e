import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { classifyAttempt } from '../../src/diagnose/index.js';
import { MODEL_LIST_MAX_BYTES } from '../../src/limits.js';
import { preflight } from '../../src/engine/preflight.js';
import type { Evidence, PreflightResult } from '../../src/types.js';
import {
  closedPort,
  drip,
  startBlackhole,
  startFakeServer,
  startRawServer,
  type FakeKind,
} from '../support/fake-server.js';
import { SQUID_ERROR_PAGE, startForwardProxy, startSquidProxy } from '../support/proxy.js';
import { makeSelfSignedCert, startTlsServer } from '../support/tls.js';
import { plainText } from '../../src/text.js';

/** Runs the engine as the action does (real config parsing, real redactor); no proxy unless `env` sets one. */
async function check(raw: RawInputs, env: Record<string, string | undefined> = {}): Promise<PreflightResult> {
  const parsed = parseInputs({ timeout: '2s', 'request-timeout': '1s', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  return preflight(parsed.config, { env });
}

type Attempt = Extract<Evidence, { kind: 'attempt' }>;
const attempts = (result: PreflightResult): Attempt[] =>
  result.endpoints[0]!.timeline.filter((e): e is Attempt => e.kind === 'attempt');
const firstAttempt = (result: PreflightResult): Attempt =>
  result.finding!.evidence.find((e): e is Attempt => e.kind === 'attempt')!;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
  return true;
};

describe('connection-refused', () => {
  it('names host and port and what usually causes it', async () => {
    const port = await closedPort();
    const result = await check({ 'base-url': `http://127.0.0.1:${port}`, timeout: '1s' });
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding?.summary)).toContain(`127.0.0.1:${port}`);
    expect(plainText(result.finding?.summary)).toContain('nothing is listening');
    expect(plainText(result.finding?.hint)).toMatch(/never started/);
    expect(plainText(result.finding?.hint)).toMatch(/port is wrong/);
    expect(plainText(result.finding?.hint)).toMatch(/service label/);
    expect(firstAttempt(result).result).toMatchObject({ kind: 'error', code: 'ECONNREFUSED' });
    // Refused attempts are retried until the deadline, not given up on.
    expect(attempts(result).length).toBeGreaterThan(1);
  });

  it('localhost refused on both ::1 and 127.0.0.1 (an AggregateError) is still connection-refused', async () => {
    const port = await closedPort();
    const result = await check({ 'base-url': `http://localhost:${port}`, timeout: '1s' });
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding?.summary)).toContain(`localhost:${port}`);
    expect(firstAttempt(result).result).toMatchObject({ kind: 'error', code: 'ECONNREFUSED' });
  });

  it('a forced kind adds its default port to the hint', async () => {
    const port = await closedPort();
    const result = await check({ 'base-url': `http://127.0.0.1:${port}`, server: 'sglang', timeout: '1s' });
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding?.hint)).toContain('SGLang defaults to 30000');
  });

  it('an address that drops packets: no connection, not a hung server', async () => {
    await using blackhole = await startBlackhole();
    const result = await check({ 'base-url': blackhole.url, 'request-timeout': '300ms', timeout: '1s' });
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding?.summary)).toContain(`No connection to 127.0.0.1:${blackhole.port}`);
    expect(plainText(result.finding?.summary)).toContain('timed out');
    expect(plainText(result.finding?.hint)).toContain('firewall');
    expect(firstAttempt(result).result).toMatchObject({ kind: 'error', code: 'CONNECT_TIMEOUT' });
  });

  it('a server that answered and then stopped listening is called a crash', async () => {
    const server = await startFakeServer({ kind: 'llamacpp', models: ['m'], loadingUntilReleased: true });
    const closing = (async () => {
      while (server.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
      await server.close();
    })();
    const result = await check({ 'base-url': server.url, model: 'm', timeout: '1500ms' });
    await closing;
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding?.summary)).toMatch(/answered at .* and then stopped listening/);
  });
});

describe('dns-failure', () => {
  it('a name that cannot resolve fails without waiting for the deadline', async () => {
    const result = await check({ 'base-url': 'http://llm-server.invalid:8000', timeout: '60s' });
    expect(result.finding?.cause).toBe('dns-failure');
    expect(plainText(result.finding?.summary)).toContain('"llm-server.invalid" does not resolve');
    expect(plainText(result.finding?.summary)).toContain('ENOTFOUND');
    expect(plainText(result.finding?.hint)).toContain('typos');
    // Settled after a few identical answers, long before 60 s.
    expect(attempts(result).length).toBeLessThanOrEqual(5);
  });
});

describe('proxy-intercept', () => {
  it('HTTP_PROXY sends a non-loopback host to a proxy that answers 502 (squid)', async () => {
    await using proxy = await startSquidProxy();
    const result = await check(
      { 'base-url': 'http://llm.internal:8000', timeout: '60s' },
      { HTTP_PROXY: proxy.url },
    );
    expect(result.finding?.cause).toBe('proxy-intercept');
    expect(plainText(result.finding?.summary)).toContain('llm.internal:8000');
    expect(plainText(result.finding?.summary)).toContain(`${proxy.url} (from HTTP_PROXY)`);
    expect(plainText(result.finding?.summary)).toContain(
      'the proxy answered HTTP 502 (X-Squid-Error: ERR_DNS_FAIL 0): "ERROR: The requested URL could not be retrieved"',
    );
    expect(plainText(result.finding?.hint)).toContain('NO_PROXY');
    expect(plainText(result.finding?.hint)).toContain('llm.internal');
    const seen = firstAttempt(result).result;
    expect(seen).toMatchObject({ kind: 'http', status: 502 });
    if (seen.kind === 'http') {
      expect(seen.headers['x-squid-error']).toBe('ERR_DNS_FAIL 0');
      expect(seen.headers.server).toContain('squid');
      // Kept raw, within its bound: the start of the proxy's page, with the cut mark when it was cut.
      expect(SQUID_ERROR_PAGE.startsWith(seen.body.replace(/…$/, ''))).toBe(true);
    }
    expect(proxy.targets[0]).toBe('http://llm.internal:8000/v1/models');
    expect(attempts(result).length).toBeLessThanOrEqual(5);
  });

  it('HTTPS_PROXY refusing the CONNECT tunnel is named too', async () => {
    await using proxy = await startSquidProxy();
    const result = await check(
      { 'base-url': 'https://llm.internal:8443', timeout: '60s' },
      { HTTPS_PROXY: proxy.url },
    );
    expect(result.finding?.cause).toBe('proxy-intercept');
    expect(plainText(result.finding?.summary)).toContain('(from HTTPS_PROXY)');
    expect(proxy.targets[0]).toBe('llm.internal:8443');
  });

  it('a proxy variable without a scheme (proxy.corp:3128) is used as curl and Python use it', async () => {
    await using proxy = await startSquidProxy();
    const result = await check(
      { 'base-url': 'http://llm.internal:8000', timeout: '60s' },
      { HTTP_PROXY: proxy.url.replace('http://', '') },
    );
    expect(result.finding?.cause).toBe('proxy-intercept');
    expect(proxy.targets[0]).toBe('http://llm.internal:8000/v1/models');
  });

  it('a proxy that is down is named as the reason, not the server', async () => {
    const port = await closedPort();
    const result = await check(
      { 'base-url': 'http://llm.internal:8000', timeout: '60s' },
      { http_proxy: `http://127.0.0.1:${port}` },
    );
    expect(result.finding?.cause).toBe('proxy-intercept');
    expect(plainText(result.finding?.summary)).toContain('(from http_proxy)');
    expect(plainText(result.finding?.summary)).toContain('ECONNREFUSED');
  });

  it('loopback targets bypass the proxy, with a warning when NO_PROXY does not cover them', async () => {
    await using proxy = await startSquidProxy();
    await using server = await startFakeServer({ kind: 'vllm', models: ['m'] });
    const result = await check({ 'base-url': server.url, model: 'm' }, { HTTP_PROXY: proxy.url });
    expect(result.ready).toBe(true);
    expect(proxy.targets).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(plainText(result.warnings[0]!)).toContain('NO_PROXY');
    expect(plainText(result.warnings[0]!)).toContain('127.0.0.1');
  });

  it.each([
    { name: 'NO_PROXY lists the host', env: { NO_PROXY: 'localhost,127.0.0.1,::1' } },
    { name: 'lowercase no_proxy with a wildcard', env: { no_proxy: '*' } },
  ])('no warning when $name', async ({ env }) => {
    await using proxy = await startSquidProxy();
    await using server = await startFakeServer({ kind: 'vllm', models: ['m'] });
    const result = await check({ 'base-url': server.url, model: 'm' }, { HTTP_PROXY: proxy.url, ...env });
    expect(result.ready).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('NO_PROXY covering a non-loopback host sends it direct', async () => {
    await using proxy = await startSquidProxy();
    const result = await check(
      { 'base-url': 'http://llm.invalid:8000', timeout: '60s' },
      { HTTP_PROXY: proxy.url, NO_PROXY: '.invalid' },
    );
    expect(proxy.targets).toEqual([]);
    expect(result.finding?.cause).toBe('dns-failure');
  });

  it('a working proxy is used for a non-loopback host', async () => {
    await using server = await startFakeServer({ kind: 'vllm', models: ['m'] });
    await using proxy = await startForwardProxy(server.port);
    const result = await check(
      { 'base-url': 'http://llm.internal:8000', model: 'm' },
      { HTTP_PROXY: proxy.url },
    );
    expect(result.finding).toBeUndefined();
    expect(result.endpoints[0]).toMatchObject({ ready: true, server: 'vllm' });
    expect(proxy.targets).toContain('http://llm.internal:8000/v1/models');
  });

  it("a proxy's Via on the server's own 503 loading answer is not an interception", async () => {
    await using server = await startFakeServer({
      kind: 'llamacpp',
      models: ['m'],
      loadingUntilReleased: true,
    });
    await using proxy = await startForwardProxy(server.port, { via: '1.1 proxy.corp (squid/6.6)' });
    const result = await check(
      { 'base-url': 'http://llm.internal:8080', model: 'm', timeout: '1s' },
      { HTTP_PROXY: proxy.url },
    );
    expect(result.finding?.cause).toBe('still-loading');
    expect(plainText(result.finding?.summary)).toContain('Loading model');
  });
});

// These run to the deadline, mostly idle: side by side they cost one deadline, not one each.
describe.concurrent('no-response', () => {
  it('a server that accepts and never answers', async () => {
    await using server = await startRawServer(() => {});
    const result = await check({ 'base-url': server.url, 'request-timeout': '300ms', timeout: '1500ms' });
    expect(result.finding?.cause).toBe('no-response');
    expect(plainText(result.finding?.summary)).toContain(`127.0.0.1:${server.port} accepted the connection`);
    expect(plainText(result.finding?.hint)).toContain('request-timeout');
    expect(firstAttempt(result).result).toMatchObject({ kind: 'error', code: 'TIMEOUT' });
  });

  it('a server that drips header bytes and never finishes them', async () => {
    await using server = await startRawServer((socket) =>
      drip(socket, 'HTTP/1.1 200 OK\r\nx-drip: aaaa', 20),
    );
    const result = await check({ 'base-url': server.url, 'request-timeout': '300ms', timeout: '1500ms' });
    expect(result.finding?.cause).toBe('no-response');
    expect(firstAttempt(result).result).toMatchObject({ kind: 'error', code: 'TIMEOUT' });
  });

  it('a server that sends headers, then drips the body forever', async () => {
    await using server = await startRawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      drip(socket, '1\r\n \r\n', 20);
    });
    const result = await check({ 'base-url': server.url, 'request-timeout': '300ms', timeout: '1500ms' });
    expect(result.finding?.cause).toBe('no-response');
  });

  it('a connection reset at once says so', async () => {
    await using server = await startRawServer((socket) => socket.resetAndDestroy());
    const result = await check({ 'base-url': server.url, timeout: '1s' });
    expect(result.finding?.cause).toBe('no-response');
    expect(plainText(result.finding?.summary)).toContain('reset');
    expect(plainText(result.finding?.hint)).toContain('0.0.0.0');
  });
});

describe('tls-error', () => {
  it('a self-signed certificate fails at once, naming the certificate problem', async () => {
    const cert = await makeSelfSignedCert();
    await using server = await startTlsServer(cert);
    const result = await check({ 'base-url': server.url, timeout: '60s' });
    expect(result.finding?.cause).toBe('tls-error');
    expect(plainText(result.finding?.summary)).toContain(`127.0.0.1:${server.port}`);
    expect(plainText(result.finding?.summary)).toMatch(/self[- ]signed/i);
    expect(plainText(result.finding?.hint)).toContain('NODE_EXTRA_CA_CERTS');
    expect(attempts(result)).toHaveLength(1);
  });

  it('https:// against a plain-HTTP server', async () => {
    await using server = await startFakeServer({ kind: 'vllm' });
    const result = await check({ 'base-url': server.url.replace('http:', 'https:'), timeout: '60s' });
    expect(result.finding?.cause).toBe('tls-error');
    expect(plainText(result.finding?.hint)).toContain('http://');
  });
});

describe.concurrent('still-loading', () => {
  it.each<{ kind: FakeKind; body: RegExp }>([
    { kind: 'llamacpp', body: /Loading model/ },
    { kind: 'localai', body: /startup preload in progress/ },
    { kind: 'sglang', body: /HTTP 503/ },
  ])('$kind loading until the deadline', async ({ kind, body }) => {
    await using server = await startFakeServer({ kind, models: ['m'], loadingUntilReleased: true });
    const result = await check({ 'base-url': server.url, model: 'm', timeout: '1500ms' });
    expect(result.finding?.cause).toBe('still-loading');
    expect(plainText(result.finding?.summary)).toContain('still loading when the deadline of 1.5 s passed');
    expect(plainText(result.finding?.summary)).toMatch(body);
    expect(plainText(result.finding?.hint)).toContain('Raise timeout');
    expect(result.endpoints[0]!.server).toBe(kind);
  });
});

describe.concurrent('server-error', () => {
  it('500 that is not loading', async () => {
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (_req, res) =>
        json(res, 500, {
          error: { message: 'EngineCore encountered an issue. See stack trace (above) for the root cause.' },
        }),
    });
    const result = await check({ 'base-url': server.url, timeout: '1s' });
    expect(result.finding?.cause).toBe('server-error');
    expect(plainText(result.finding?.summary)).toContain('HTTP 500');
    expect(plainText(result.finding?.summary)).toContain('EngineCore encountered an issue');
    expect(plainText(result.finding?.summary)).toContain('/v1/models');
  });

  it('503 whose body says something other than loading', async () => {
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (_req, res) => json(res, 503, { error: 'EngineDeadError: the engine died' }),
    });
    const result = await check({ 'base-url': server.url, timeout: '1s' });
    expect(result.finding?.cause).toBe('server-error');
    expect(plainText(result.finding?.summary)).toContain('EngineDeadError');
  });

  it.each<{ kind: FakeKind; path: string; body: string }>([
    { kind: 'tgi', path: '/health', body: '"error":"unhealthy"' },
    { kind: 'litellm', path: '/health/readiness', body: 'Service Unhealthy' },
  ])('$kind: an unhealthy 503 on its health route is an error, not loading', async ({ kind, path, body }) => {
    await using server = await startFakeServer({
      kind,
      models: ['m'],
      handle: (req, res) => {
        if (req.url !== path) return false;
        if (kind === 'tgi') return json(res, 503, { error: 'unhealthy', error_type: 'healthcheck' });
        return json(res, 503, { detail: 'Service Unhealthy (ConnectionError: database unreachable)' });
      },
    });
    const result = await check({ 'base-url': server.url, server: kind, model: 'm', timeout: '1s' });
    expect(result.finding?.cause).toBe('server-error');
    expect(plainText(result.finding?.summary)).toContain(`HTTP 503 on ${path}`);
    expect(plainText(result.finding?.summary)).toContain(body);
  });

  it('health passes but the model list keeps failing', async () => {
    await using server = await startFakeServer({
      kind: 'vllm',
      handle: (req, res) =>
        req.url === '/v1/models' ? json(res, 500, { error: { message: 'Internal Server Error' } }) : false,
    });
    const result = await check({ 'base-url': server.url, server: 'vllm', timeout: '1s' });
    expect(result.finding?.cause).toBe('server-error');
    expect(plainText(result.finding?.summary)).toContain('/v1/models');
  });
});

describe('not-an-llm-server', () => {
  it('an HTML page on every route', async () => {
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!DOCTYPE html><html><body><h1>Grafana</h1></body></html>');
        return true;
      },
    });
    const result = await check({ 'base-url': server.url, timeout: '60s' });
    expect(result.finding?.cause).toBe('not-an-llm-server');
    expect(plainText(result.finding?.summary)).toContain('an HTML page');
    expect(plainText(result.finding?.hint)).toContain('port');
    expect(attempts(result).length).toBeLessThanOrEqual(6);
  });

  it('404 on every known endpoint', async () => {
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (_req, res) => json(res, 404, { detail: 'Not Found' }),
    });
    const result = await check({ 'base-url': server.url, timeout: '60s' });
    expect(result.finding?.cause).toBe('not-an-llm-server');
    expect(plainText(result.finding?.summary)).toContain('HTTP 404');
  });

  it('404 on the model list although a forced kind passes its health check', async () => {
    // TEI answers /health but has no /v1/models: forced to vllm, it is not what the workflow expects.
    await using server = await startFakeServer({
      kind: 'vllm',
      handle: (req, res) => (req.url === '/v1/models' ? json(res, 404, { detail: 'Not Found' }) : false),
    });
    const result = await check({ 'base-url': server.url, server: 'vllm', timeout: '60s' });
    expect(result.finding?.cause).toBe('not-an-llm-server');
  });
});

describe('unauthorized', () => {
  it.each<{ kind: FakeKind; body: string }>([
    { kind: 'vllm', body: '{"error":"Unauthorized"}' },
    { kind: 'sglang', body: '{"error":"Unauthorized"}' },
    { kind: 'litellm', body: 'Authentication Error, No api key passed in.' },
    { kind: 'localai', body: 'An authentication key is required' },
    { kind: 'llamacpp', body: 'Invalid API Key' },
    { kind: 'tgi', body: '' },
  ])('$kind without the key', async ({ kind, body }) => {
    await using server = await startFakeServer({ kind, models: ['m'], apiKey: 'sk-right-0123456789' });
    const result = await check({
      'base-url': server.url,
      server: kind,
      model: 'm',
      smoke: 'true',
      timeout: '60s',
    });
    expect(result.finding?.cause).toBe('unauthorized');
    expect(plainText(result.finding?.summary)).toContain('HTTP 401');
    expect(plainText(result.finding?.summary)).toContain(body);
    expect(plainText(result.finding?.summary)).toContain('no api-key was given');
    expect(plainText(result.finding?.hint)).toContain('secrets.');
  });

  it('a wrong key says the key is wrong, and never shows it', async () => {
    const wrong = 'sk-wrong-key-0123456789';
    await using server = await startFakeServer({
      kind: 'litellm',
      models: ['m'],
      apiKey: 'sk-right-0123456789',
    });
    const result = await check({ 'base-url': server.url, 'api-key': wrong, timeout: '60s' });
    expect(result.finding?.cause).toBe('unauthorized');
    // "token passed" itself is masked by the redactor's bearer-token pattern.
    expect(plainText(result.finding?.summary)).toContain('Invalid proxy server token');
    expect(plainText(result.finding?.summary)).toContain('although an api-key was sent');
    expect(plainText(result.finding?.hint)).toContain('wrong');
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it.each(['ollama', 'auto'])(
    'Ollama host guard: 403 with an empty body for a non-local Host (server: %s)',
    async (serverInput) => {
      await using server = await startFakeServer({ kind: 'ollama', models: ['m:latest'], hostGuard: true });
      await using proxy = await startForwardProxy(server.port);
      const result = await check(
        { 'base-url': 'http://gpu-box:11434', server: serverInput, timeout: '60s' },
        { HTTP_PROXY: proxy.url },
      );
      expect(result.finding?.cause).toBe('unauthorized');
      expect(plainText(result.finding?.summary)).toContain('HTTP 403');
      expect(plainText(result.finding?.hint)).toContain('OLLAMA_HOST=0.0.0.0');
    },
  );
});

describe('model-not-found', () => {
  it('wrong case: names the closest match and what is served, at once', async () => {
    await using server = await startFakeServer({
      kind: 'vllm',
      models: ['Qwen/Qwen2.5-0.5B-Instruct', 'Qwen/Qwen2.5-0.5B-Instruct-lora'],
    });
    const result = await check({
      'base-url': server.url,
      model: 'qwen/qwen2.5-0.5b-instruct',
      timeout: '60s',
    });
    expect(result.finding?.cause).toBe('model-not-found');
    expect(plainText(result.finding?.summary)).toContain(
      '"qwen/qwen2.5-0.5b-instruct" is not served; did you mean "Qwen/Qwen2.5-0.5B-Instruct"?',
    );
    expect(plainText(result.finding?.summary)).toContain(
      'The server lists: Qwen/Qwen2.5-0.5B-Instruct, Qwen/Qwen2.5-0.5B-Instruct-lora',
    );
    expect(plainText(result.finding?.hint)).toContain('case-sensitive');
    // One look at the list was enough: no waiting for the 60 s deadline.
    expect(attempts(result).filter((a) => a.stage === 'models')).toHaveLength(1);
  });

  it('Ollama: a tag that is not pulled suggests the one that is, with the pull hint', async () => {
    await using server = await startFakeServer({ kind: 'ollama', models: ['llama3.2:latest'] });
    const result = await check({ 'base-url': server.url, model: 'llama3.2:1b', timeout: '60s' });
    expect(result.finding?.cause).toBe('model-not-found');
    expect(plainText(result.finding?.summary)).toContain('did you mean "llama3.2:latest"?');
    expect(plainText(result.finding?.hint)).toContain('ollama pull');
  });

  it('Ollama: llama3.2 and llama3.2:latest are the same model, not a failure', async () => {
    await using server = await startFakeServer({ kind: 'ollama', models: ['llama3.2:latest'] });
    const result = await check({ 'base-url': server.url, model: 'llama3.2', smoke: 'true' });
    expect(result.finding).toBeUndefined();
    expect(result.ready).toBe(true);
  });

  it('several required models: names each missing one', async () => {
    await using server = await startFakeServer({ kind: 'litellm', models: ['gpt-4o', 'claude'] });
    const result = await check({ 'base-url': server.url, model: 'gpt-4o, gpt_4o_mini, mistral' });
    expect(result.finding?.cause).toBe('model-not-found');
    expect(plainText(result.finding?.summary)).toContain('"gpt_4o_mini" is not served');
    expect(plainText(result.finding?.summary)).toContain('"mistral" is not served.');
    expect(plainText(result.finding?.summary)).not.toContain('"gpt-4o" is not served');
  });
});

describe('no-models', () => {
  it('Ollama with nothing pulled answers data: null', async () => {
    await using server = await startFakeServer({ kind: 'ollama', models: [] });
    const result = await check({ 'base-url': server.url, timeout: '60s' });
    expect(result.finding?.cause).toBe('no-models');
    expect(result.endpoints[0]!.server).toBe('ollama');
    expect(plainText(result.finding?.summary)).toContain('lists no models');
    expect(plainText(result.finding?.hint)).toContain('ollama pull');
  });

  it('an empty data array', async () => {
    await using server = await startFakeServer({ kind: 'vllm', models: [] });
    const result = await check({ 'base-url': server.url, server: 'vllm', timeout: '60s' });
    expect(result.finding?.cause).toBe('no-models');
    expect(plainText(result.finding?.hint)).toContain('--served-model-name');
  });
});

describe('bad-response', () => {
  it.each([
    { name: 'not JSON', body: 'OK', problem: 'the model list is not JSON' },
    {
      name: '"data" not an array',
      body: '{"object":"list","data":{"id":"m"}}',
      problem: '"data" in the model list is not an array',
    },
    {
      name: 'ids not strings',
      body: '{"object":"list","data":[{"id":42}]}',
      problem: 'a model in the list has no string "id"',
    },
    { name: 'no data field', body: '{"models":["m"]}', problem: 'the model list has no "data" field' },
  ])('$name', async ({ body, problem }) => {
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return true;
      },
    });
    const result = await check({ 'base-url': server.url, timeout: '60s' });
    expect(result.finding?.cause).toBe('bad-response');
    expect(plainText(result.finding?.summary)).toContain(problem);
    expect(plainText(result.finding?.summary)).toContain('/v1/models');
    expect(attempts(result).length).toBeLessThanOrEqual(6);
  });

  it('a model list larger than the bound is cut, not buffered', async () => {
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sentBytes = 0;
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"object":"list","data":[');
        // An endless body: stop only when the client goes away.
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) sentBytes += chunk.length;
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
        return true;
      },
    });
    const result = await check({ 'base-url': server.url, timeout: '20s', 'request-timeout': '10s' });
    expect(result.finding?.cause).toBe('bad-response');
    expect(plainText(result.finding?.summary)).toContain('larger than the size bound');
    expect(firstAttempt(result).result).toMatchObject({ kind: 'http', truncated: true });
    // Each attempt stopped near the bound rather than reading the endless body.
    expect(sentBytes).toBeLessThan(attempts(result).length * (MODEL_LIST_MAX_BYTES + 8 * 1024 * 1024));
  });
});

describe('smoke-failed', () => {
  it('the completion answers 500', async () => {
    await using server = await startFakeServer({
      kind: 'vllm',
      models: ['m'],
      completionError: { status: 500, body: '{"error":{"message":"CUDA error: an illegal memory access"}}' },
    });
    const result = await check({ 'base-url': server.url, model: 'm', smoke: 'true' });
    expect(result.finding?.cause).toBe('smoke-failed');
    expect(plainText(result.finding?.summary)).toContain('"m"');
    expect(plainText(result.finding?.summary)).toContain('HTTP 500');
    expect(plainText(result.finding?.summary)).toContain('illegal memory access');
    expect(result.endpoints[0]!.smoke).toMatchObject([{ model: 'm', ok: false }]);
  });

  it('a 200 without choices', async () => {
    await using server = await startFakeServer({
      kind: 'vllm',
      models: ['m'],
      completionError: { status: 200, body: '{"object":"chat.completion","id":"x"}' },
    });
    const result = await check({ 'base-url': server.url, model: 'm', smoke: 'true' });
    expect(result.finding?.cause).toBe('smoke-failed');
    expect(plainText(result.finding?.summary)).toContain('no "choices"');
  });

  it('with no model required, the first listed one is tried', async () => {
    await using server = await startFakeServer({ kind: 'litellm', models: ['a', 'b'] });
    const result = await check({ 'base-url': server.url, smoke: 'true' });
    expect(result.ready).toBe(true);
    expect(result.endpoints[0]!.smoke).toMatchObject([{ model: 'a', ok: true, text: 'OK' }]);
  });
});

describe('invalid-input', () => {
  it.each([
    { name: 'timeout: soon', raw: { timeout: 'soon' }, input: 'timeout', got: 'soon', example: '10m' },
    {
      name: 'ftp base-url',
      raw: { 'base-url': 'ftp://host/x' },
      input: 'base-url',
      got: 'ftp://host/x',
      example: 'http://127.0.0.1:8000',
    },
    { name: 'smoke: maybe', raw: { smoke: 'maybe' }, input: 'smoke', got: 'maybe', example: 'true' },
    { name: 'unknown server', raw: { server: 'triton' }, input: 'server', got: 'triton', example: 'vllm' },
  ])('$name names the input, what it got and an example', ({ raw, input, got, example }) => {
    const parsed = parseInputs(raw as RawInputs);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([expect.objectContaining({ input, got, example })]);
    expect(parsed.problems[0]!.message.length).toBeGreaterThan(10);
  });
});

it('every attempt classified as a failure names a contract cause', async () => {
  // Guard against a cause id that is not in the contract sneaking in through classifyAttempt.
  await using server = await startFakeServer({
    kind: 'openai',
    handle: (_req, res) => json(res, 418, 'teapot'),
  });
  const result = await check({ 'base-url': server.url, timeout: '1s' });
  for (const a of attempts(result)) expect(classifyAttempt(a)?.cause).toBe('bad-response');
});
