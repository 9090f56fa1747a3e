// Raw values inside, redacted once where text leaves the process (report/present.ts). Each test here failed
// when the engine redacted as it went: ids were masked before matching, bodies were cut before redaction, and
// our own sentences went through the secret patterns.
import { describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { secretsOf } from '../../src/config/secrets.js';
import { preflight } from '../../src/engine/preflight.js';
import { EVIDENCE_BODY_CHARS, HEADER_EVIDENCE_MAX_CHARS } from '../../src/limits.js';
import { createRedactor } from '../../src/redact.js';
import { toJsonReport } from '../../src/report/json.js';
import { renderRedactedSummary } from '../../src/report/markdown.js';
import { presentExtras, presentResult } from '../../src/report/present.js';
import { createTerminalReporter } from '../../src/report/terminal.js';
import { settle } from '../../src/diagnose/index.js';
import { matchLogLine } from '../../src/servers/index.js';
import type { Evidence, PreflightResult } from '../../src/types.js';
import { startFakeServer } from '../support/fake-server.js';

function configOf(raw: RawInputs) {
  const parsed = parseInputs({ timeout: '10s', 'request-timeout': '2s', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  return parsed.config;
}

/** The three surfaces that leave the process: job summary, JSON report, terminal. */
async function everySurface(result: PreflightResult, secrets: string[]): Promise<string> {
  const redact = createRedactor(secrets);
  const extras = { tails: [] };
  const summary = renderRedactedSummary(result, extras, redact);
  const json = JSON.stringify(toJsonReport(presentResult(result, redact), presentExtras(extras, redact)));
  let terminal = '';
  await createTerminalReporter({ write: (t: string) => (terminal += t) }, () => redact, {
    quiet: false,
  }).finish(result, extras);
  return [summary, json, terminal].join('\n');
}

describe('an api-key that is part of a served model id', () => {
  it.each([
    { name: 'a word inside the id', key: 'Qwen', model: 'Qwen/Qwen2.5-0.5B-Instruct' },
    { name: 'another word inside it', key: 'Instruct', model: 'Qwen/Qwen2.5-0.5B-Instruct' },
    { name: 'a key equal to the alias', key: 'tiny-llama', model: 'tiny-llama' },
  ])('$name: the server that serves it is ready', async ({ key, model }) => {
    await using server = await startFakeServer({ kind: 'vllm', models: [model, 'other'], apiKey: key });
    const config = configOf({ 'base-url': server.url, 'api-key': key, model });
    const result = await preflight(config, { env: {} });
    expect(result.finding).toBeUndefined();
    expect(result.ready).toBe(true);
    expect(result.endpoints[0]!.models).toContain(model);
    // What leaves the process still never shows the key.
    expect(await everySurface(result, secretsOf(config))).not.toContain(key);
  });
});

describe('a secret the server echoes, across every cut position', () => {
  const secret = 'ZqXjVwKpRtYb';
  /** No report may hold even the first three characters of the secret, whatever the offset of the cut. */
  const parts = (s: string) => Array.from({ length: s.length - 2 }, (_, i) => s.slice(0, i + 3));

  it('in a body cut at the evidence bound', async () => {
    for (let before = EVIDENCE_BODY_CHARS - secret.length - 1; before <= EVIDENCE_BODY_CHARS + 1; before++) {
      await using server = await startFakeServer({
        kind: 'vllm',
        models: ['m'],
        handle: (req, res) => {
          if (!req.url?.startsWith('/v1/models')) return false;
          // A 401 settles at once, so each offset costs one request.
          res.writeHead(401, { 'content-type': 'text/plain' });
          res.end('x'.repeat(before) + secret + ' and more');
          return true;
        },
      });
      const config = configOf({ 'base-url': server.url, 'api-key': secret, timeout: '1s' });
      const result = await preflight(config, { env: {} });
      expect(result.finding?.cause).toBe('unauthorized');
      const out = await everySurface(result, secretsOf(config));
      for (const part of parts(secret)) expect(out, `cut after ${before} characters`).not.toContain(part);
    }
  });

  it('in a header cut at its bound', async () => {
    for (
      let before = HEADER_EVIDENCE_MAX_CHARS - secret.length - 1;
      before <= HEADER_EVIDENCE_MAX_CHARS;
      before++
    ) {
      await using server = await startFakeServer({
        kind: 'vllm',
        models: ['m'],
        handle: (req, res) => {
          if (!req.url?.startsWith('/v1/models')) return false;
          res.writeHead(404, { 'content-type': 'text/plain', server: 'y'.repeat(before) + secret });
          res.end('no');
          return true;
        },
      });
      const config = configOf({ 'base-url': server.url, 'api-key': secret, timeout: '1s' });
      const result = await preflight(config, { env: {} });
      const out = await everySurface(result, secretsOf(config));
      for (const part of parts(secret)) expect(out, `cut after ${before} characters`).not.toContain(part);
    }
  });
});

describe('our own sentences are never run through the secret patterns', () => {
  it('the smoke-test sentence keeps "1-token test completion"', async () => {
    await using server = await startFakeServer({
      kind: 'vllm',
      models: ['m'],
      apiKey: 'sk-test-0123456789',
      completionError: { status: 500, body: '{"error":"engine dead"}' },
    });
    const config = configOf({
      'base-url': server.url,
      'api-key': 'sk-test-0123456789',
      model: 'm',
      smoke: 'true',
    });
    const result = await preflight(config, { env: {} });
    expect(result.finding?.cause).toBe('smoke-failed');
    expect(await everySurface(result, secretsOf(config))).toContain('The 1-token test completion for');
  });

  it('the gated-model hint keeps "give the token read access", while the server\'s token is masked', async () => {
    const line =
      '403 Forbidden: Please enable access to public gated repositories in your fine-grained token settings to view this repository. Make sure your token has the correct permissions. token=hf_AbCdEfGhIjKlMnOp';
    const signature = matchLogLine(line, 'vllm');
    expect(signature?.cause).toBe('gated-model');
    const log: Evidence = {
      kind: 'log',
      atMs: 10,
      source: 'server log',
      line,
      cause: signature!.cause,
      hint: signature!.hint,
      fatal: true,
    };
    const ctx = {
      host: '127.0.0.1',
      port: 8000,
      root: 'http://127.0.0.1:8000',
      kind: 'vllm' as const,
      requiredModels: [],
      apiKeyGiven: false,
      deadlineReached: false,
      timeoutMs: 60_000,
      watchingLogs: true,
    };
    const finding = settle([log], ctx)!;
    const result: PreflightResult = {
      ready: false,
      finding,
      endpoints: [],
      elapsedMs: 10,
      warnings: [],
    };
    const out = await everySurface(result, ['ollama']);
    expect(out).toContain('give the token read access');
    expect(out).not.toContain('hf_AbCdEfGh');
  });
});
