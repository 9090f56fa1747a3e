import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/entry/cli.js';
import { parseInputs, type Config, type RawInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import { createRedactor } from '../../src/redact.js';
import { toJsonReport } from '../../src/report/json.js';
import { renderRedactedSummary } from '../../src/report/markdown.js';
import { runAction } from '../support/action-runner.js';
import { startFakeServer } from '../support/fake-server.js';
import { plainText } from '../../src/text.js';
import { presentResult } from '../../src/report/present.js';

const CHAT_MODEL = 'Qwen/Qwen2.5-0.5B-Instruct';
const EMBED_MODEL = 'nomic-embed-text:latest';

function config(raw: RawInputs): Config {
  const parsed = parseInputs({ timeout: '10s', ...raw });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

const deps = () => ({ env: {}, redact: createRedactor([]) });

/** The table row of the job summary that names this endpoint. */
const rowFor = (summary: string, url: string) =>
  summary.split('\n').find((l) => l.startsWith('|') && l.includes(`${url}/v1`));

describe('several endpoints under one deadline', () => {
  it('gives the failing endpoint’s cause as the result, with a row and an entry per endpoint', async () => {
    // A chat server and an embeddings server side by side; the second lacks its model.
    await using chat = await startFakeServer({ kind: 'vllm', models: [CHAT_MODEL], loadingMs: 200 });
    await using embed = await startFakeServer({ kind: 'ollama', models: ['llama3.2:1b'] });
    const result = await preflight(
      config({ 'base-url': `${chat.url} = ${CHAT_MODEL}\n${embed.url}/v1 = ${EMBED_MODEL}` }),
      deps(),
    );

    expect(result.ready).toBe(false);
    expect(result.finding?.cause).toBe('model-not-found');
    expect(plainText(result.finding?.summary)).toContain(EMBED_MODEL);
    expect(result.endpoints.map((e) => [e.baseUrl, e.ready, e.server, e.finding?.cause])).toEqual([
      [`${chat.url}/v1`, true, 'vllm', undefined],
      [`${embed.url}/v1`, false, 'ollama', 'model-not-found'],
    ]);

    const summary = renderRedactedSummary(result, { tails: [] }, createRedactor([]));
    expect(rowFor(summary, chat.url)).toMatch(/✅ \| vllm/);
    expect(rowFor(summary, embed.url)).toMatch(/❌ `model-not-found` \| ollama/);
    expect(summary).toContain(`Timeline for ${chat.url.replace('://', ':&#47;&#47;')}/v1`);
    expect(toJsonReport(presentResult(result, createRedactor([])), { tails: [] }).endpoints).toEqual([
      expect.objectContaining({
        url: `${chat.url}/v1`,
        ready: true,
        cause: null,
        server: 'vllm',
        models: [CHAT_MODEL],
      }),
      expect.objectContaining({
        url: `${embed.url}/v1`,
        ready: false,
        cause: 'model-not-found',
        server: 'ollama',
      }),
    ]);
  });

  it('checks the endpoints concurrently: a slow one does not hold up the other’s first attempt', async () => {
    await using slow = await startFakeServer({
      kind: 'llamacpp',
      models: ['tiny.gguf'],
      loadingUntilReleased: true,
    });
    let fastListed!: () => void;
    const fastAsked = new Promise<void>((resolve) => (fastListed = resolve));
    await using fast = await startFakeServer({
      kind: 'vllm',
      models: [CHAT_MODEL],
      handle: (req) => {
        if (req.url === '/v1/models') fastListed();
        return false;
      },
    });
    const run = preflight(config({ 'base-url': `${slow.url}\n${fast.url}` }), deps());
    // Checked one after the other, the fast server would not be asked before the slow one is released.
    await fastAsked;
    expect(slow.requests.length).toBeGreaterThan(0);
    slow.finishLoading();
    const result = await run;

    expect(result.ready).toBe(true);
    expect(result.endpoints.map((e) => e.server)).toEqual(['llamacpp', 'vllm']);
  });

  it('takes several base-urls on the command line and reports every one in --json', async () => {
    await using a = await startFakeServer({ kind: 'vllm', models: [CHAT_MODEL] });
    await using b = await startFakeServer({ kind: 'sglang', models: [CHAT_MODEL] });
    let stdout = '';
    const code = await runCli(['--json', '--timeout', '10s', a.url, `${b.url}/v1`], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: {},
    });

    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      base_url: string;
      endpoints: Array<{ url: string; server: string }>;
    };
    expect(report.base_url).toBe(`${a.url}/v1`);
    expect(report.endpoints.map((e) => [e.url, e.server])).toEqual([
      [`${a.url}/v1`, 'vllm'],
      [`${b.url}/v1`, 'sglang'],
    ]);
  });

  it('sets the endpoints output, and keeps the single-server outputs for the first endpoint (dist)', async () => {
    await using chat = await startFakeServer({ kind: 'vllm', models: [CHAT_MODEL] });
    await using embed = await startFakeServer({ kind: 'ollama', models: ['llama3.2:1b'] });
    const run = await runAction({
      inputs: { 'base-url': `${chat.url}\n${embed.url} = ${EMBED_MODEL}`, timeout: '10s' },
    });

    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      ready: 'false',
      cause: 'model-not-found',
      'base-url': `${chat.url}/v1`,
      server: 'vllm',
      models: JSON.stringify([CHAT_MODEL]),
    });
    expect(JSON.parse(run.outputs.endpoints!)).toEqual([
      { url: `${chat.url}/v1`, ready: true, cause: '', server: 'vllm', models: [CHAT_MODEL] },
      {
        url: `${embed.url}/v1`,
        ready: false,
        cause: 'model-not-found',
        server: 'ollama',
        models: ['llama3.2:1b'],
      },
    ]);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.props.title).toBe('model-not-found');
    expect(rowFor(run.summary, chat.url)).toContain('✅');
    expect(rowFor(run.summary, embed.url)).toContain('model-not-found');
  });
});

describe('first-token time', () => {
  /** Delay before the first SSE chunk: the smoke request's time to first token must include it. */
  const FIRST_TOKEN_DELAY_MS = 300;

  /** A vLLM-like server that sends its headers at once and the first token only after the delay: a cold server. */
  const coldServer = () =>
    startFakeServer({
      kind: 'vllm',
      models: [CHAT_MODEL],
      handle: (req, res) => {
        if (req.url !== '/v1/chat/completions') return false;
        res.writeHead(200, { 'content-type': 'text/event-stream', server: 'uvicorn' });
        res.flushHeaders();
        setTimeout(() => {
          const chunk = { choices: [{ index: 0, delta: { role: 'assistant', content: 'OK' } }] };
          res.write(`data: ${JSON.stringify(chunk)}\n\n`);
          res.end('data: [DONE]\n\n');
        }, FIRST_TOKEN_DELAY_MS);
        return true;
      },
    });

  it('reports ttft from the first streamed chunk, and a total no shorter than it', async () => {
    await using server = await coldServer();
    const result = await preflight(
      config({ 'base-url': server.url, model: CHAT_MODEL, smoke: 'true' }),
      deps(),
    );

    expect(result.ready).toBe(true);
    const smoke = result.endpoints[0]!.smoke[0]!;
    expect(smoke).toMatchObject({ model: CHAT_MODEL, ok: true, text: 'OK' });
    // Node timers may fire up to a millisecond early; the bound is the delay, not a speed.
    expect(smoke.ttftMs).toBeGreaterThanOrEqual(FIRST_TOKEN_DELAY_MS - 2);
    expect(smoke.totalMs).toBeGreaterThanOrEqual(smoke.ttftMs!);
    expect(renderRedactedSummary(result, { tails: [] }, createRedactor([]))).toContain(
      `first token ${smoke.ttftMs} ms, total ${smoke.totalMs} ms`,
    );
    expect(toJsonReport(presentResult(result, createRedactor([])), { tails: [] }).ttft_ms).toBe(smoke.ttftMs);
  });

  it('sets the ttft-ms output (dist)', async () => {
    await using server = await coldServer();
    const run = await runAction({
      inputs: { 'base-url': server.url, model: CHAT_MODEL, smoke: 'true', timeout: '10s' },
    });

    expect(run.code).toBe(0);
    expect(Number(run.outputs['ttft-ms'])).toBeGreaterThanOrEqual(FIRST_TOKEN_DELAY_MS - 2);
    expect(run.summary).toMatch(/first token \d+ ms, total \d+ ms/);
  });
});
