import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/entry/cli.js';
import { parseInputs, type Config, type RawInputs } from '../../src/config/schema.js';
import { isLoopbackHost } from '../../src/net/hosts.js';
import {
  parsePullLine,
  PULL_HEARTBEAT_MS,
  PULL_LINE_MAX_CHARS,
  PullTracker,
  pullOllamaModel,
  type PullUpdate,
} from '../../src/servers/ollama-pull.js';
import { preflight, type Progress } from '../../src/engine/preflight.js';
import { createProber } from '../../src/net/probe.js';
import { createRedactor } from '../../src/redact.js';
import type { Evidence } from '../../src/types.js';
import { startFakeServer } from '../support/fake-server.js';
import { plainText } from '../../src/text.js';

// The stream Ollama writes for `ollama pull llama3.2:1b` (docs/servers.md §4; digests and sizes as the registry has them).
const WEIGHTS = {
  digest: 'sha256:74701a8c35f6c8d9a4b91f3f3497643001d63e0c7a84e085bed452548fa88d45',
  total: 1_321_082_688,
};
const SMALL_LAYERS = [
  { digest: 'sha256:966de95ca8a62200913e3f8bfbf84c8494536f1b94b49166851e76644e966396', total: 1_429 },
  { digest: 'sha256:fcc5a6bec9daf9b561a68827b67ab6088e1dba9d1fa2a50d7bbcc8384e0a265d', total: 7_711 },
];

const line = (o: unknown) => JSON.stringify(o) + '\n';
const progress = (layer: { digest: string; total: number }, completed: number) =>
  line({
    status: `pulling ${layer.digest.slice(7, 19)}`,
    digest: layer.digest,
    total: layer.total,
    completed,
  });

type PullScript = (res: ServerResponse, model: string, request: number) => Promise<void> | void;

/** An Ollama server with nothing pulled whose /api/pull runs `script`; a successful pull lists the model. */
async function ollamaWithPull(script: PullScript, served: string[] = []) {
  const pulls: Array<{ model: string; stream: unknown }> = [];
  const server = await startFakeServer({
    kind: 'ollama',
    handle: async (req: IncomingMessage, res: ServerResponse, body: string) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            // Ollama answers `"data": null` with nothing pulled (a Go nil slice).
            data: served.length
              ? served.map((id) => ({ id, object: 'model', created: 1_732_500_000, owned_by: 'library' }))
              : null,
          }),
        );
        return true;
      }
      if (path === '/api/pull' && req.method === 'POST') {
        const request = JSON.parse(body) as { model: string; stream?: unknown };
        pulls.push({ model: request.model, stream: request.stream });
        await script(res, request.model, pulls.length);
        return true;
      }
      return false;
    },
  });
  return { server, pulls, served };
}

/** A full, successful pull: manifest, ~200 progress lines for the weights, small layers, verify, success. */
function successfulPull(served: string[]): PullScript {
  return (res, model) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(line({ status: 'pulling manifest' }));
    for (let i = 0; i <= 200; i++) res.write(progress(WEIGHTS, Math.round((WEIGHTS.total * i) / 200)));
    for (const layer of SMALL_LAYERS) res.write(progress(layer, layer.total));
    res.write(line({ status: 'verifying sha256 digest' }));
    res.write(line({ status: 'writing manifest' }));
    served.push(model);
    res.end(line({ status: 'success' }));
  };
}

function config(raw: RawInputs): Config {
  const parsed = parseInputs({ timeout: '10s', ...raw });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

function deps(progressSeen: Progress[] = []) {
  return { env: {}, redact: createRedactor([]), onProgress: (p: Progress) => progressSeen.push(p) };
}

const pullEvidence = (timeline: Evidence[]) =>
  timeline.filter((e): e is Extract<Evidence, { kind: 'pull' }> => e.kind === 'pull');

describe('pull: true on Ollama', () => {
  it('pulls a missing model through the pull stream, reports bounded progress, then lists it and is ready', async () => {
    const served: string[] = [];
    const { server, pulls } = await ollamaWithPull(successfulPull(served), served);
    await using _ = server;
    const seen: Progress[] = [];
    const result = await preflight(
      config({ 'base-url': server.url, model: 'llama3.2:1b', pull: 'true' }),
      deps(seen),
    );

    expect(result.ready).toBe(true);
    expect(result.endpoints[0]).toMatchObject({ server: 'ollama', models: ['llama3.2:1b'] });
    expect(pulls).toEqual([{ model: 'llama3.2:1b', stream: true }]);
    // The model list was read again after the pull: the server, not our word, says the model is there.
    const paths = server.requests.map((r) => r.path);
    expect(paths.lastIndexOf('/v1/models')).toBeGreaterThan(paths.indexOf('/api/pull'));

    const pulled = pullEvidence(result.endpoints[0]!.timeline);
    // 200+ progress lines from the server become one line per 10 % plus the phases.
    expect(pulled.length).toBeGreaterThanOrEqual(5);
    expect(pulled.length).toBeLessThanOrEqual(16);
    const percents = pulled.flatMap((p) => (p.percent === undefined ? [] : [p.percent]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    expect(pulled.map((p) => p.status)).toContain('pulling manifest');
    expect(pulled.at(-1)).toMatchObject({
      status: 'success',
      percent: 100,
      totalBytes: WEIGHTS.total + 1_429 + 7_711,
    });
    // The same lines went to the reporter as progress events (the log lines of the action).
    expect(seen.filter((p) => p.evidence.kind === 'pull')).toHaveLength(pulled.length);
  });

  it('names model-download-failed with the server message when the registry has no such model', async () => {
    const { server } = await ollamaWithPull((res) => {
      // Ollama streams 200 first, then the error as a line of its own.
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(line({ status: 'pulling manifest' }));
      res.end(line({ error: 'pull model manifest: file does not exist' }));
    });
    await using _ = server;
    const result = await preflight(
      config({ 'base-url': server.url, model: 'llama3.2:1bb', pull: 'true' }),
      deps(),
    );

    expect(result.ready).toBe(false);
    expect(result.finding?.cause).toBe('model-download-failed');
    expect(plainText(result.finding?.summary)).toContain('"llama3.2:1bb"');
    expect(plainText(result.finding?.summary)).toContain('pull model manifest: file does not exist');
    expect(plainText(result.finding?.hint)).toMatch(/does not exist in the Ollama registry/);
    expect(result.finding?.evidence[0]).toMatchObject({
      kind: 'pull',
      failure: { reason: 'server-error', message: 'pull model manifest: file does not exist' },
    });
  });

  it('names model-download-failed for an error answered before streaming (400 invalid model name)', async () => {
    const { server } = await ollamaWithPull((res) => {
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'invalid model name' }));
    });
    await using _ = server;
    const result = await preflight(
      config({ 'base-url': server.url, model: 'Bad Name!', pull: 'true' }),
      deps(),
    );

    expect(result.finding?.cause).toBe('model-download-failed');
    expect(plainText(result.finding?.summary)).toContain('invalid model name');
    expect(plainText(result.finding?.hint)).toMatch(/name:tag/);
  });

  it('stops at the overall deadline and says how far the download got', async () => {
    const { server } = await ollamaWithPull((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(line({ status: 'pulling manifest' }));
      res.write(progress(WEIGHTS, Math.round(WEIGHTS.total * 0.42)));
      // ...and then nothing more: a slow registry. The connection stays open until the client gives up.
    });
    await using _ = server;
    const result = await preflight(
      config({ 'base-url': server.url, model: 'llama3.2:1b', pull: 'true', timeout: '2s' }),
      deps(),
    );

    expect(result.finding?.cause).toBe('model-download-failed');
    expect(plainText(result.finding?.summary)).toMatch(
      /did not finish before the deadline \(42% of 1\.3 GB downloaded\)/,
    );
    expect(plainText(result.finding?.hint)).toMatch(/Raise timeout/);
  });

  it('does not pull unless asked: the model is just not found, with a hint to pull', async () => {
    const { server, pulls } = await ollamaWithPull(successfulPull([]), ['llama3.2:3b']);
    await using _ = server;
    const result = await preflight(config({ 'base-url': server.url, model: 'llama3.2:1b' }), deps());

    expect(result.finding?.cause).toBe('model-not-found');
    expect(plainText(result.finding?.hint)).toMatch(/pull: true/);
    expect(pulls).toEqual([]);
  });

  it('does not pull on servers other than Ollama', async () => {
    await using server = await startFakeServer({ kind: 'vllm', models: ['Qwen/Qwen2.5-0.5B-Instruct'] });
    const result = await preflight(
      config({ 'base-url': server.url, model: 'Qwen/Qwen2.5-1.5B-Instruct', pull: 'true' }),
      deps(),
    );

    expect(result.finding?.cause).toBe('model-not-found');
    expect(server.requests.map((r) => r.path)).not.toContain('/api/pull');
  });
});

describe('pullOllamaModel', () => {
  it('re-issues the pull when a stream reaches the byte bound, and Ollama resumes where it was', async () => {
    let sentUpTo = 0;
    const steps = 60;
    const { server, pulls } = await ollamaWithPull(async (res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(line({ status: 'pulling manifest' }));
      // Like Ollama's partial files: a new request continues from the bytes already downloaded.
      for (; sentUpTo <= steps; sentUpTo++) {
        if (res.destroyed) return;
        res.write(progress(WEIGHTS, Math.round((WEIGHTS.total * sentUpTo) / steps)));
        // Let the client read (and cut) the stream between lines, as a real download would.
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.write(line({ status: 'verifying sha256 digest' }));
      res.end(line({ status: 'success' }));
    });
    await using _ = server;
    const prober = createProber({}, isLoopbackHost);
    const updates: PullUpdate[] = [];
    try {
      const outcome = await pullOllamaModel('llama3.2:1b', {
        send: (body, onChunk, maxBodyBytes) =>
          prober.probe({
            method: 'POST',
            url: `${server.url}/api/pull`,
            headers: { 'content-type': 'application/json' },
            body,
            onChunk,
            maxBodyBytes,
            timeoutMs: 5_000,
          }),
        report: (u) => updates.push(u),
        now: () => performance.now(),
        timeLeftMs: () => 5_000,
        // About 15 progress lines per request.
        maxStreamBytes: 2_500,
      });
      expect(outcome).toEqual({ ok: true });
    } finally {
      await prober.close();
    }
    expect(pulls.length).toBeGreaterThan(1);
    expect(updates.at(-1)).toMatchObject({ status: 'success', percent: 100 });
    // "pulling manifest" again on each request is reported once.
    expect(updates.filter((u) => u.status === 'pulling manifest')).toHaveLength(1);
  });
});

describe('the CLI with --pull', () => {
  it('prints the download as percentages', async () => {
    const served: string[] = [];
    const { server } = await ollamaWithPull(successfulPull(served), served);
    await using _ = server;
    let stderr = '';
    const code = await runCli(['--pull', '--model', 'llama3.2:1b', '--timeout', '10s', server.url], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
    });

    expect(code).toBe(0);
    expect(stderr).toMatch(/pull llama3\.2:1b: 50% of 1\.3 GB/);
    expect(stderr).toMatch(/pull llama3\.2:1b: 100% of 1\.3 GB \(success\)/);
    expect(stderr).toContain('✔ ready');
    expect(stderr).toContain('Pulled llama3.2:1b (1.3 GB).');
  });
});

describe('the pull stream, line by line', () => {
  it.each([
    {
      name: 'a phase',
      text: '{"status":"pulling manifest"}',
      parsed: { kind: 'progress', status: 'pulling manifest' },
    },
    {
      name: 'layer progress',
      text: '{"status":"pulling 74701a8c35f6","digest":"sha256:74","total":100,"completed":40}',
      parsed: {
        kind: 'progress',
        status: 'pulling 74701a8c35f6',
        digest: 'sha256:74',
        total: 100,
        completed: 40,
      },
    },
    {
      name: "Ollama's error line",
      text: '{"error":"pull model manifest: file does not exist"}',
      parsed: { kind: 'error', message: 'pull model manifest: file does not exist' },
    },
    {
      name: 'an OpenAI-style error from something in front of Ollama',
      text: '{"error":{"message":"upstream connect error"}}',
      parsed: { kind: 'error', message: 'upstream connect error' },
    },
    { name: 'a blank line', text: '   ', parsed: undefined },
    { name: 'not JSON', text: '<html>502 Bad Gateway</html>', parsed: undefined },
    { name: 'JSON without status or error', text: '{"digest":"sha256:1"}', parsed: undefined },
  ])('$name', ({ text, parsed }) => {
    expect(parsePullLine(text)).toEqual(parsed);
  });

  const layer = (completed: number) =>
    JSON.stringify({ status: 'pulling aaaa', digest: 'sha256:aaaa', total: 1000, completed }) + '\n';

  it('reads lines split across chunks', () => {
    const updates: PullUpdate[] = [];
    const tracker = new PullTracker(
      (u) => updates.push(u),
      () => 0,
    );
    const text = layer(500) + '{"status":"succ';
    tracker.push(text.slice(0, 20));
    tracker.push(text.slice(20));
    tracker.push('ess"}');
    tracker.end();
    expect(updates).toEqual([
      { status: 'pulling aaaa', percent: 50, completedBytes: 500, totalBytes: 1000 },
      { status: 'success', percent: 50, completedBytes: 500, totalBytes: 1000 },
    ]);
    expect(tracker.succeeded).toBe(true);
  });

  it('reports a slow pull at least every heartbeat while it moves, and not more often', () => {
    let now = 0;
    const updates: PullUpdate[] = [];
    const tracker = new PullTracker(
      (u) => updates.push(u),
      () => now,
    );
    tracker.push(layer(10)); // 1 %: the first step is reported
    now += PULL_HEARTBEAT_MS - 1;
    tracker.push(layer(20)); // within the same 10 % and the heartbeat: not reported
    now += 1;
    tracker.push(layer(30)); // heartbeat due and the percentage moved
    now += PULL_HEARTBEAT_MS;
    tracker.push(layer(30)); // heartbeat due but nothing moved: not reported
    expect(updates.map((u) => u.percent)).toEqual([1, 3]);
  });

  it('drops a line too long to be progress and goes on', () => {
    const updates: PullUpdate[] = [];
    const tracker = new PullTracker(
      (u) => updates.push(u),
      () => 0,
    );
    tracker.push('x'.repeat(PULL_LINE_MAX_CHARS + 1));
    tracker.push('\n' + layer(1000));
    expect(updates.map((u) => u.percent)).toEqual([100]);
  });
});
