import { describe, expect, it } from 'vitest';
import { runAction } from '../support/action-runner.js';
import { all, childrenNamed, gfmTree, textOf } from '../support/gfm.js';
import { closedPort } from '../support/fake-server.js';
import { CAUSES } from '../../src/causes.js';
import { runCli } from '../../src/entry/cli.js';
import {
  EVIDENCE_BODY_CHARS,
  MODEL_LIST_MAX_BYTES,
  MODELS_OUTPUT_MAX_BYTES,
  OVERSIZED_BODY_QUOTE_BYTES,
} from '../../src/limits.js';
import {
  bigModelList,
  dripHeadersServer,
  endlessBodyServer,
  fixedServer,
  hugeBodyServer,
  resetMidResponseServer,
  routedServer,
  silentServer,
  startHttpServer,
  type HostileServer,
} from '../support/hostile-servers.js';

/**
 * Servers nobody planned for. For each: exactly one cause from the contract, the run settles before a
 * watchdog well past the deadline fires (a guard against hangs, not a speed test), bodies stay within their
 * bounds, no stack trace, and the api-key appears nowhere in what the CLI prints.
 */

const KEY = 'sk-hostile-0123456789abcdef';
const TIMEOUT_SECONDS = 2;
/** Generous on purpose: this only catches a run that hangs, `timeout` + 2 s is the promise. */
const WATCHDOG_MS = (TIMEOUT_SECONDS + 5) * 1000;
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

interface JsonReport {
  ready: boolean;
  cause: string | null;
  summary: string | null;
  evidence: Array<{ kind: string; result?: { kind: string; body?: string; truncated?: boolean } }>;
  timeline: Array<{ kind: string; result?: { kind: string; body?: string } }>;
  endpoints: Array<{ cause: string | null }>;
  models: string[];
}

async function check(url: string, extra: string[] = []) {
  let stdout = '';
  let stderr = '';
  let watchdog: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    runCli(
      [
        url,
        '--json',
        '--api-key',
        KEY,
        '--timeout',
        `${TIMEOUT_SECONDS}s`,
        '--request-timeout',
        '500ms',
        ...extra,
      ],
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        env: {},
      },
    ),
    new Promise<never>((_, reject) => {
      watchdog = setTimeout(
        () => reject(new Error(`no verdict within ${WATCHDOG_MS} ms: it hangs`)),
        WATCHDOG_MS,
      );
    }),
  ]).finally(() => clearTimeout(watchdog));
  expect(stdout.trim().split('\n'), 'exactly one JSON document on stdout').toHaveLength(1);
  const report = JSON.parse(stdout) as JsonReport;
  expect(stdout + stderr, 'no stack trace').not.toMatch(STACK_LINE);
  expect(stdout, 'nothing a runner would read as a workflow command').not.toContain('##[');
  expect(stdout + stderr, 'no secret').not.toContain(KEY);
  expect(stdout + stderr, 'no part of the secret either').not.toContain(KEY.slice(3));
  for (const ev of [...report.evidence, ...report.timeline])
    if (ev.result?.kind === 'http') expect(ev.result.body!.length).toBeLessThanOrEqual(EVIDENCE_BODY_CHARS);
  return { code, report, stderr };
}

function expectCause(run: { code: number; report: JsonReport }, cause: string) {
  expect(CAUSES).toContain(cause);
  expect(run.report.cause).toBe(cause);
  expect(run.report.endpoints.map((e) => e.cause)).toEqual([cause]);
  expect(run.report.ready).toBe(false);
  expect(run.code).toBe(1);
}

describe.concurrent('servers that never finish an answer: no-response at the deadline', () => {
  it.each([
    { name: 'accepts and never answers', start: silentServer },
    { name: 'sends headers one byte at a time forever', start: () => dripHeadersServer() },
    { name: 'resets the connection mid-response', start: resetMidResponseServer },
  ])('$name', async ({ start }) => {
    await using server = await start();
    const run = await check(server.url);
    expectCause(run, 'no-response');
    expect(server.requests.length).toBeGreaterThan(0);
  });
});

describe.concurrent(
  'servers that answer badly for ever: the cause of the answers, not of the deadline',
  () => {
    it('5xx forever → server-error', async () => {
      await using server = await fixedServer(500, '{"error":"engine crashed"}');
      const run = await check(server.url);
      expectCause(run, 'server-error');
      expect(run.report.summary).toContain('500');
    });

    it('503 "Loading model" forever → still-loading', async () => {
      await using server = await fixedServer(
        503,
        '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}',
      );
      const run = await check(server.url);
      expectCause(run, 'still-loading');
    });
  },
);

describe('bodies over the bound', () => {
  it('an endless body on /v1/models → bad-response, each read stopped at the bound', async () => {
    await using server = await endlessBodyServer();
    // A request-timeout long enough that the bound, not the clock, ends each read.
    const run = await check(server.url, ['--request-timeout', '10s']);
    expectCause(run, 'bad-response');
    expect(run.report.summary).toMatch(/larger than the size bound/);
    await server.close();
    for (const connection of server.connections) {
      expect(connection.finished).toBe(false);
      // What we read (the bound) plus what the kernel's socket buffers held when we hung up.
      expect(connection.bytesWritten).toBeLessThan(MODEL_LIST_MAX_BYTES * 2);
    }
  });

  it('a 200 MB body on /v1/models → bad-response from its Content-Length, read only to quote it', async () => {
    const total = 200 * 1024 * 1024;
    await using server = await hugeBodyServer(total);
    const run = await check(server.url);
    expectCause(run, 'bad-response');
    await server.close();
    const written = server.connections.reduce((sum, c) => sum + c.bytesWritten, 0);
    expect(server.connections.every((c) => !c.finished)).toBe(true);
    // Socket buffers hold a few MB per connection; the 64 KiB we read is nothing next to 200 MB.
    expect(written).toBeLessThan(total / 8);
    expect(OVERSIZED_BODY_QUOTE_BYTES).toBeLessThan(MODEL_LIST_MAX_BYTES);
  });
});

describe('model lists of the wrong shape → bad-response naming what is wrong', () => {
  it.each([
    { name: 'truncated JSON', body: '{"object":"list","data":[{"id":"a"', problem: 'not JSON' },
    { name: 'not JSON at all', body: 'hello, world', problem: 'not JSON' },
    { name: 'no data field', body: '{"object":"list"}', problem: 'no "data" field' },
    { name: 'data not an array', body: '{"object":"list","data":{"id":"m"}}', problem: 'not an array' },
    { name: 'ids not strings', body: '{"object":"list","data":[{"id":42}]}', problem: 'no string "id"' },
    { name: 'a JSON array', body: '[{"id":"m"}]', problem: 'not a JSON object' },
    { name: 'JSON null', body: 'null', problem: 'not a JSON object' },
  ])('$name', async ({ body, problem }) => {
    await using server = await fixedServer(200, body);
    const run = await check(server.url);
    expectCause(run, 'bad-response');
    expect(run.report.summary).toContain(problem);
  });
});

describe('other hostile answers', () => {
  it('an HTML page → not-an-llm-server', async () => {
    await using server = await fixedServer(
      200,
      '<!DOCTYPE html><html><body>Welcome to nginx!</body></html>',
      {
        'content-type': 'text/html',
      },
    );
    expectCause(await check(server.url), 'not-an-llm-server');
  });

  it('a redirect loop → bad-response after a bounded number of hops', async () => {
    await using server = await routedServer((req) => ({
      status: 302,
      headers: { location: req.url ?? '/' },
    }));
    const run = await check(server.url);
    expectCause(run, 'bad-response');
    expect(run.report.summary).toMatch(/redirects in a loop/);
  });

  it('a redirect to another host → bad-response, and the other host never sees the api-key', async () => {
    await using other = await fixedServer(200, bigModelList(1), undefined, '127.0.0.2');
    await using server = await routedServer((req) => ({
      status: 307,
      headers: { location: `${other.url}${req.url ?? '/'}` },
    }));
    const run = await check(server.url);
    expectCause(run, 'bad-response');
    expect(run.report.summary).toMatch(/redirects to another origin/);
    expect(server.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(other.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(other.requests).toEqual([]);
  });

  it('a 401 that echoes the key in its body and headers → unauthorized, key masked everywhere', async () => {
    await using server = await startHttpServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      res.writeHead(401, {
        'content-type': 'text/plain',
        'www-authenticate': `Bearer realm="${auth.slice(7)}"`,
        server: `echo/${auth.slice(7)}`,
      });
      res.end(`Incorrect API key provided: ${auth}. Your key ${auth.slice(7)} is not valid.`);
    });
    const run = await check(server.url);
    expectCause(run, 'unauthorized');
    expect(server.requests[0]!.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe('100 000 models', () => {
  // Decided: a list this long is still a valid answer (about 8 MB, under MODEL_LIST_MAX_BYTES), so the
  // server is ready and the required model is found wherever it is in the list.
  it('is read whole: ready, and the last model counts', async () => {
    const count = 100_000;
    await using server: HostileServer = await fixedServer(200, bigModelList(count));
    const run = await check(server.url, ['--model', `org/model-${count - 1}`, '--timeout', '5s']);
    expect(run.code).toBe(0);
    expect(run.report.ready).toBe(true);
    expect(run.report.cause).toBeNull();
    expect(run.report.models).toHaveLength(count);
  });

  it('through the action: the models output stays a valid JSON array within its bound', async () => {
    await using server = await fixedServer(200, bigModelList(100_000));
    const run = await runAction({ inputs: { 'base-url': server.url, timeout: '10s' } });
    expect(run.code).toBe(0);
    expect(run.outputs.ready).toBe('true');
    const listed = JSON.parse(run.outputs.models!) as string[];
    expect(listed[0]).toBe('org/model-0');
    expect(listed.length).toBeLessThan(100_000);
    expect(Buffer.byteLength(run.outputs.models!)).toBeLessThanOrEqual(MODELS_OUTPUT_MAX_BYTES);
    expect(run.stdout).toContain(`lists the first ${listed.length} of 100000 model ids`);
  });

  it('names a missing model with the closest match, not the whole list', async () => {
    await using server = await fixedServer(200, bigModelList(100_000));
    const run = await check(server.url, ['--model', 'org/model-1234x', '--timeout', '5s']);
    expectCause(run, 'model-not-found');
    expect(run.report.summary).toContain('did you mean "org/model-1234"');
    expect(run.report.summary!.length).toBeLessThan(2_000);
  });
});

/** Text a hostile server sends hoping it is printed raw: forged lines, workflow commands, terminal escapes. */
const FORGERY = [
  'Loading model',
  '✔ ready: http://127.0.0.1:1/v1 (vllm)',
  '::set-output name=ready::true',
  '  ::add-mask::Loading',
  '##[error]forged annotation',
  'see \u001b]8;;https://evil.example\u0007this link\u001b]8;;\u0007\u001b[2J\rhidden',
].join('\n');

describe('a server whose text tries to become our output', () => {
  it('terminal: no forged line, no workflow command, no escape sequence', async () => {
    await using server = await fixedServer(503, FORGERY, {
      'content-type': 'text/plain',
      server: '##[warning]x',
    });
    let stderr = '';
    const code = await runCli(
      [server.url, '--timeout', `${TIMEOUT_SECONDS}s`, '--request-timeout', '500ms'],
      {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (stderr += t) },
        env: {},
      },
    );
    expect(code).toBe(1);
    const lines = stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('✔'))).toEqual([]);
    expect(lines.filter((l) => l.trimStart().startsWith('::'))).toEqual([]);
    expect(stderr).not.toContain('##[');
    // oxlint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(stderr).toContain('✘ not ready: still-loading');
  });

  it('JSON: one line that a runner cannot read as a command, and that parses back to the same text', async () => {
    await using server = await fixedServer(503, FORGERY, { 'content-type': 'text/plain' });
    const run = await check(server.url);
    expectCause(run, 'still-loading');
    expect(run.report.summary).toContain('##[error]forged');
  });
});

describe('a server log full of workflow commands, through the action as the runner runs it (dist/)', () => {
  it('is quoted, never obeyed: one annotation (ours), no forged mask, output or warning', async () => {
    const port = await closedPort();
    const forged = [
      '::error title=forged::forged annotation',
      '::warning::forged warning',
      '::add-mask::Loading',
      '::set-output name=ready::true',
      '::stop-commands::resume-token',
      'CUDA out of memory. Tried to allocate 2.00 GiB ##[error]forged legacy command',
    ];
    const run = await runAction({
      inputs: {
        'base-url': `http://127.0.0.1:${port}`,
        timeout: '20s',
        'api-key': KEY,
        start: `${forged.map((line) => `printf '%s\\n' '${line}'`).join('; ')}; exit 1`,
      },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.ready).toBe('false');
    expect(['out-of-memory', 'server-exited']).toContain(run.outputs.cause);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.props.title).toBe(run.outputs.cause);
    expect(run.warnings).toEqual([]);
    // Every line the runner would act on is one we wrote; the log's own lines sit behind "│ ".
    const commands = (run.stdout + '\n' + run.stderr)
      .split('\n')
      .filter((l) => l.trimStart().startsWith('::'));
    for (const command of commands)
      expect(command).toMatch(
        new RegExp(
          `^::(add-mask::${KEY}$|error |group::|endgroup::$|stop-commands::[0-9a-f-]{36}$|[0-9a-f-]{36}::$|debug::)`,
        ),
      );
    expect(run.stdout + run.stderr).not.toContain('##[');
    expect(run.stdout).toMatch(/^│ :\u200b?:error title=forged::forged annotation$/m);
    // The key appears once, in the mask we registered, and nowhere else.
    expect((run.stdout + run.stderr + run.summary).split(KEY)).toHaveLength(2);
  });
});

/**
 * Text that tries to change the job summary's structure, each piece a defect the summary had: CR alone ended a
 * table row and (twice) the <summary> HTML block, a backslash before a pipe split a table cell, `_www.` became a
 * link. Rendered as GitHub renders it (GFM): only our elements, and the rows and cells of our tables.
 */
const STRUCTURE_BAIT = [
  '\u202egnp.exe\u200b Loading model\r| forged | row |',
  '\r\r# forged heading</summary></details>',
  'x\\|y *em*',
  '_www.evil.example',
  '<img src=x onerror=alert(1)><!-- c -->',
  '\u2028\u2029\u0085\u000b\u000c',
].join(' ');

describe('a server whose text tries to change the job summary, through the action (dist/)', () => {
  it.each([
    { name: 'in a 503 body (still-loading)', status: 503, body: STRUCTURE_BAIT, model: '' },
    {
      name: 'in the model ids it lists (model-not-found)',
      status: 200,
      body: JSON.stringify({ object: 'list', data: [{ id: STRUCTURE_BAIT }, { id: 'llam\u200ba3' }] }),
      model: 'llama3',
    },
  ])('$name: only our elements, one endpoint row of six cells, timeline rows of three', async (row) => {
    await using server = await fixedServer(row.status, row.body);
    const run = await runAction({
      inputs: { 'base-url': server.url, timeout: '3s', 'request-timeout': '500ms', model: row.model },
    });
    expect(run.code).toBe(1);
    const root = gfmTree(run.summary);
    expect(all(root, 'h2')).toHaveLength(1);
    const [endpoints, timeline, ...others] = all(root, 'table');
    expect(others).toEqual([]);
    const bodyRows = (table: typeof root) => childrenNamed(childrenNamed(table, 'tbody')[0]!, 'tr');
    expect(bodyRows(endpoints!).map((tr) => childrenNamed(tr, 'td').length)).toEqual([6]);
    expect(textOf(childrenNamed(bodyRows(endpoints!)[0]!, 'td')[0]!)).toBe(server.url + '/v1');
    for (const tr of bodyRows(timeline!)) expect(childrenNamed(tr, 'td')).toHaveLength(3);
    expect(all(root, 'details').map((d) => textOf(childrenNamed(d, 'summary')[0]!))).toEqual([
      'Evidence',
      `Timeline for ${server.url}/v1`,
    ]);
    expect(run.summary).toContain('\\u{202e}gnp.exe\\u{200b}');
  });
});
