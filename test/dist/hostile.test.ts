import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runAction } from '../support/action-runner.js';
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
  startRawServer,
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

const LIST = '{"object":"list","data":[{"id":"m","object":"model","owned_by":"someone"}]}';
/** A raw answer on a connection of its own, so every request (list, GET /, smoke) meets the same bytes. */
const rawAnswer = (head: string, body = LIST) =>
  startRawServer((socket) => socket.end(`${head}\r\nconnection: close\r\n\r\n${body}`));
const listHead = (status: string) =>
  `${status}\r\ncontent-type: application/json\r\ncontent-length: ${LIST.length}`;

describe('HTTP as servers really speak it', () => {
  it.each([
    { name: 'an unsolicited 100 Continue before the answer', head: `HTTP/1.1 100 Continue\r\n\r\n${listHead('HTTP/1.1 200 OK')}` },
    { name: 'two interim responses (102, 103 with headers)', head: `HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${listHead('HTTP/1.1 200 OK')}` },
    { name: '203 from a transforming gateway', head: listHead('HTTP/1.1 203 Non-Authoritative Information') },
    { name: '201, an odd but successful status', head: listHead('HTTP/1.1 201 Created') },
  ])('$name → ready', async ({ head }) => {
    await using server = await rawAnswer(head);
    const run = await check(server.url, ['--model', 'm']);
    expect(run.report.cause).toBeNull();
    expect(run.report.ready).toBe(true);
    expect(run.report.models).toEqual(['m']);
    expect(run.code).toBe(0);
  });

  it.each([
    { name: 'a chunk size that is not hex', body: `zz\r\n${LIST}\r\n0\r\n\r\n` },
    { name: 'a chunk longer than its size', body: `5\r\n${LIST}\r\n0\r\n\r\n` },
  ])('broken chunked framing, $name → bad-response, not no-response at the deadline', async ({ body }) => {
    await using server = await startRawServer((socket) =>
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${body}`),
    );
    const run = await check(server.url);
    expectCause(run, 'bad-response');
    expect(run.report.summary).toMatch(/malformed answer/);
    expect(run.report.evidence[0]!.result).toMatchObject({ kind: 'error', code: 'BAD_HTTP' });
    expect(JSON.stringify(run.report.evidence)).toMatch(/does not match the HTTP\/1\.1 protocol/);
  });
});

/** A server that lists `m` and answers the smoke completion with `answerSmoke` (the connection left open). */
const smokeServer = (answerSmoke: (res: import('node:http').ServerResponse) => void) =>
  startHttpServer((req, res) => {
    if (req.url?.startsWith('/v1/chat/completions')) return answerSmoke(res);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(LIST);
  });
const sse = (event: unknown) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`;

describe('the smoke completion', () => {
  it.each([
    { name: 'ends with data: [DONE]', events: [{ choices: [{ delta: { content: 'OK' } }] }, '[DONE]'] },
    {
      name: 'ends with a finish_reason and no [DONE]',
      events: [{ choices: [{ delta: { content: 'OK' }, finish_reason: null }] }, { choices: [{ delta: {}, finish_reason: 'length' }] }],
    },
  ])('$name, the connection kept open → ready, the stream read to its end only', async ({ events }) => {
    await using server = await smokeServer((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events.map(sse).join(''));
    });
    const run = await check(server.url, ['--model', 'm', '--smoke']);
    expect(run.report.cause).toBeNull();
    expect(run.code).toBe(0);
    expect((run.report.endpoints[0] as { smoke?: unknown }).smoke).toMatchObject([{ model: 'm', ok: true, text: 'OK' }]);
  });

  it('that never finishes → smoke-failed naming the completion, within the deadline', async () => {
    await using server = await smokeServer((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ choices: [{ delta: { role: 'assistant' }, finish_reason: null }] }));
    });
    const run = await check(server.url, ['--model', 'm', '--smoke']);
    expectCause(run, 'smoke-failed');
    expect(run.report.summary).toMatch(/^The 1-token test completion for "m" was accepted but not finished within /);
    expect(run.report.summary).not.toContain('request-timeout');
  });
});

/** The CLI in-process with these arguments, its output collected; it must end well before any deadline. */
async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
  });
  return { code, stdout, stderr };
}

describe('inputs that hold secrets, rejected without showing any part of them', () => {
  it.each([
    { name: 'a line break', key: 'sk-hostile-0123\n456789abcdef' },
    { name: 'a character outside Latin-1', key: 'sk-hostile-0123€456789abcdef' },
    { name: 'a control character', key: 'sk-hostile-0123\u0007456789abcdef' },
  ])('an api-key with $name → invalid-input naming --api-key, at once', async ({ key }) => {
    await using server = await fixedServer(200, LIST);
    // A deadline the run must not wait for: the key is wrong before any request.
    const run = await cli([server.url, '--api-key', key, '--timeout', '1h']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--api-key must be text an HTTP header can carry/);
    for (const part of [key.slice(0, 15), key.slice(16)]) expect(run.stdout + run.stderr).not.toContain(part);
    expect(server.requests).toEqual([]);
  });

  it('a base-url whose base64 password holds / and + → invalid-input, the password shown nowhere', async () => {
    const password = 'c2VjcmV0/cGFzcw+d29yZA==';
    const run = await cli([`http://user:${password}@127.0.0.1:8000`, '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ cause: 'invalid-input' });
    for (const part of password.split(/[/+]/)) expect(run.stdout + run.stderr).not.toContain(part);
  });
});

/** The CLI bundle as a user runs it, killed if it outlives `WATCHDOG_MS` (an open that blocks stops everything). */
async function cliProcess(args: string[], whileRunning?: () => void) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/index.js'), ...args], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let hung = false;
  const watchdog = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, WATCHDOG_MS);
  whileRunning?.();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(watchdog);
  expect(hung, 'the CLI ended before the watchdog').toBe(false);
  return { code, stdout, stderr };
}

describe('a log-file that is not a regular file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-logfile-'));
  const fifo = join(dir, 'server.fifo');
  execFileSync('mkfifo', [fifo]);
  const directory = join(dir, 'logs');
  mkdirSync(directory);

  it.each([
    { name: 'a FIFO with no writer', path: fifo, says: /named pipe/ },
    { name: 'a directory', path: directory, says: /directory/ },
    { name: 'a device', path: '/dev/zero', says: /device/ },
  ])('$name → invalid-input naming --log-file, exit 2, never blocking', async ({ path, says }) => {
    const run = await cliProcess(['http://127.0.0.1:9', '--log-file', path, '--timeout', `${TIMEOUT_SECONDS}s`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--log-file is /);
    expect(run.stderr).toMatch(says);
    expect(run.stderr).not.toMatch(/internal error/);
  });

  it.skipIf(process.getuid?.() === 0)('a file this user may not read → invalid-input naming --log-file', async () => {
    const secret = join(dir, 'private.log');
    writeFileSync(secret, 'x\n');
    chmodSync(secret, 0o000);
    const run = await cliProcess(['http://127.0.0.1:9', '--log-file', secret]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--log-file cannot be read by this user/);
  });

  it('a FIFO that appears while waiting: the wait goes on to its deadline, never blocked', async () => {
    const later = join(dir, 'later.fifo');
    await using server = await fixedServer(500, '{"error":"engine crashed"}');
    // Made once the CLI is asking the server, so after its inputs were checked.
    const appear = setInterval(() => {
      if (server.requests.length === 0) return;
      clearInterval(appear);
      execFileSync('mkfifo', [later]);
    }, 20);
    const run = await cliProcess([server.url, '--log-file', later, '--timeout', `${TIMEOUT_SECONDS}s`, '--json']);
    clearInterval(appear);
    expect(server.requests.length).toBeGreaterThan(1);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ cause: 'server-error' });
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

  it('the CLI (dist) into a real pipe: the multi-megabyte --json report arrives whole', async () => {
    const count = 100_000;
    await using server = await fixedServer(200, bigModelList(count));
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist/cli/index.js'), server.url, '--json', '--model', `org/model-${count - 1}`, '--timeout', '10s'],
      { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stdout: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const document = Buffer.concat(stdout).toString('utf8');
    // Well past the 64 KiB a pipe holds: process.exit() used to cut the document there.
    expect(document.length).toBeGreaterThan(1024 * 1024);
    expect(document.endsWith('}\n')).toBe(true);
    const report = JSON.parse(document) as JsonReport;
    expect(report.ready).toBe(true);
    expect(report.models).toHaveLength(count);
    expect(code).toBe(0);
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
