#!/usr/bin/env node
// npm run bench: llm-preflight against the tools users would pick instead, side by side, in one run.
// What each figure means, and how to run it: bench/README.md. Every number printed comes from this run.

import { fork, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml } from 'yaml';
import {
  formatBytes,
  formatMs,
  formatRatio,
  formatSpread,
  peakCountInWindow,
  ratePerSecond,
  ratio,
  renderTable,
  rotate,
  stratifiedOffsetMs,
  summarize,
} from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const now = () => performance.timeOrigin + performance.now();

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench: ${name} must be a whole number, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

function listFromEnv(name) {
  return (process.env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const ROUNDS = Math.max(1, intFromEnv('BENCH_ROUNDS', 5));
const SETTINGS = {
  rounds: ROUNDS,
  // Scenario 1 is short, and its figure depends on where in a poller's cycle the server becomes ready (uniform
  // over 250 ms for wait-on): five samples leave its median ±50 ms, so it gets three times the rounds.
  readyRounds: Math.max(1, intFromEnv('BENCH_READY_ROUNDS', ROUNDS * 3)),
  // Scenario 1: the issue's "refuses ~1 s, then 503 loading ~1.5 s".
  refuseMs: intFromEnv('BENCH_REFUSE_MS', 1000),
  loadingMs: intFromEnv('BENCH_LOADING_MS', 1500),
  // Ready moments are moved by a random offset within this span (stratified across rounds): see stratifiedOffsetMs.
  jitterMs: intFromEnv('BENCH_JITTER_MS', 1000),
  // Scenario 2: a long load; the contenders run side by side (one server each), ready moments this far apart.
  longMs: intFromEnv('BENCH_LONG_MS', 60_000),
  longRounds: Math.max(1, intFromEnv('BENCH_LONG_ROUNDS', Math.min(ROUNDS, 3))),
  longStaggerMs: intFromEnv('BENCH_LONG_STAGGER_MS', 2000),
  // Scenario 3: how long the peers wait for a server that is already dead.
  peerTimeoutMs: intFromEnv('BENCH_PEER_TIMEOUT_MS', 10_000),
  // Scenario 4: more rounds, since each is short and start-up time is noisy.
  coldRounds: Math.max(1, intFromEnv('BENCH_COLD_ROUNDS', ROUNDS * 2)),
  only: listFromEnv('BENCH_ONLY'),
  contenders: listFromEnv('BENCH_CONTENDERS'),
};
const SCENARIOS = ['ready', 'long', 'dead', 'cold', 'llama'];
for (const id of SETTINGS.only)
  if (!SCENARIOS.includes(id)) {
    console.error(`bench: BENCH_ONLY lists "${id}"; scenarios are ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
const wanted = (id) => SETTINGS.only.length === 0 || SETTINGS.only.includes(id);

const DIST_ACTION = join(ROOT, 'dist/index.js');
const DIST_CLI = join(ROOT, 'dist/cli/index.js');
const WAIT_ON = join(ROOT, 'node_modules/wait-on/bin/wait-on');
const SERVER_SCRIPT = join(ROOT, 'bench/server.js');
const CRASH_SCRIPT = join(ROOT, 'bench/crash-server.js');
const RESULTS_DIR = join(ROOT, 'bench/results');
const SCRATCH = mkdtempSync(join(tmpdir(), 'llm-preflight-bench-'));
/** Whatever a contender does, the harness ends it after this long past its own deadline. */
const HARNESS_GRACE_MS = 30_000;

const notes = [];
const note = (text) => {
  notes.push(text);
  console.error(`note: ${text}`);
};
const progress = (text) => console.error(text);

// ---------------------------------------------------------------------------------------------------------
// Processes

/** A TCP port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function hasCommand(command, args = ['--version']) {
  return !spawnSync(command, args, { stdio: 'ignore' }).error;
}

const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs one contender. startedAtMs is taken right before spawn and exitedAtMs in the 'exit' handler, both on the
 * shared clock. With measureRss, the process runs under /usr/bin/time, which reports its peak RSS (the kernel's
 * maxrss: the whole lifetime, exit included).
 */
function runProcess({ command, args, env, cwd = ROOT, timeoutMs, measureRss = false }) {
  let file = command;
  let argv = args;
  let rssFile;
  if (measureRss && TIME_BIN) {
    rssFile = join(SCRATCH, `rss-${process.hrtime.bigint()}`);
    file = TIME_BIN;
    argv = ['-f', '%M %U %S', '-o', rssFile, command, ...args];
  }
  return new Promise((resolveRun) => {
    const startedAtMs = now();
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const keep = (text, chunk) => (text + chunk).slice(-64 * 1024);
    child.stdout.on('data', (d) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d) => (stderr = keep(stderr, d)));
    let killedByHarness = false;
    const killer = setTimeout(() => {
      killedByHarness = true;
      child.kill('SIGKILL');
    }, timeoutMs + HARNESS_GRACE_MS);
    let exit;
    child.on('exit', (code, signal) => {
      exit = { code, signal, exitedAtMs: now() };
    });
    child.on('error', (error) => {
      exit = { code: null, signal: null, exitedAtMs: now(), error: String(error) };
    });
    child.on('close', () => {
      clearTimeout(killer);
      let peakRssKb;
      let cpuMs;
      if (rssFile && existsSync(rssFile)) {
        // The last line is ours; a command that failed may have made time print a note above it.
        const [rss, user, system] = (readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '').split(
          ' ',
        );
        if (Number.isFinite(Number(rss))) peakRssKb = Number(rss);
        if (Number.isFinite(Number(user)) && Number.isFinite(Number(system)))
          cpuMs = (Number(user) + Number(system)) * 1000;
      }
      resolveRun({ startedAtMs, ...exit, killedByHarness, stdout, stderr, peakRssKb, cpuMs });
    });
  });
}

/** A bench/server.js child, booted and waiting for 'go'. */
async function startBenchServer() {
  const child = fork(SERVER_SCRIPT, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const events = new Map();
  const waiters = [];
  child.on('message', (message) => {
    events.set(message.event, message);
    for (const waiter of waiters) if (waiter.event === message.event) waiter.resolve(message);
  });
  const waitFor = (event) =>
    events.has(event)
      ? Promise.resolve(events.get(event))
      : new Promise((resolveEvent, reject) => {
          waiters.push({ event, resolve: resolveEvent });
          child.once('exit', () => reject(new Error(`bench server exited before "${event}"`)));
        });
  await waitFor('up');
  return {
    seen: (event) => events.get(event),
    waitFor,
    go(options) {
      child.send({ cmd: 'go', ...options });
    },
    async report() {
      events.delete('report');
      child.send({ cmd: 'report' });
      return (await waitFor('report')).requests;
    },
    stop() {
      return new Promise((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Contenders

const ACTION_INPUT_DEFAULTS = (() => {
  const manifest = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
  return Object.fromEntries(
    Object.entries(manifest.inputs).map(([name, spec]) => [name, spec.default ?? '']),
  );
})();

const WORKFLOW = `name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - name: Wait for the LLM server
        id: llm
        uses: acme/llm-preflight@v1
      - run: pytest
`;

/** The minimal environment of a job step: nothing from the shell running the bench leaks into a contender. */
function baseEnv() {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
}

/** The runner's way: INPUT_* with action.yml defaults plus overrides, file-command files, a workspace. */
function actionEnv(inputs) {
  const dir = mkdtempSync(join(SCRATCH, 'action-'));
  const workspace = join(dir, 'workspace');
  mkdirSync(join(workspace, '.github/workflows'), { recursive: true });
  writeFileSync(join(workspace, '.github/workflows/ci.yml'), WORKFLOW);
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path'),
  };
  for (const path of Object.values(files)) writeFileSync(path, '');
  const runnerTemp = join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  const env = {
    ...baseEnv(),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_WORKFLOW_REF: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
    GITHUB_JOB: 'test',
    GITHUB_ACTION: 'llm',
    GITHUB_ACTION_REPOSITORY: 'acme/llm-preflight',
    RUNNER_TEMP: runnerTemp,
    ...files,
  };
  for (const [name, value] of Object.entries({ ...ACTION_INPUT_DEFAULTS, ...inputs }))
    env[`INPUT_${name.toUpperCase()}`] = value;
  return { env, cwd: workspace, outputsFile: files.GITHUB_OUTPUT };
}

/** The file-command format: name=value, or name<<DELIMITER … DELIMITER. */
function parseFileCommands(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const value = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
      out[heredoc[1]] = value.join('\n');
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return out;
}

const shellQuote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

/**
 * A contender turns a job ({ port, timeoutMs, start? }) into a process and reads its verdict afterwards.
 * ours: the figures the targets are about. Peers get the URL users would give them: /v1/models.
 */
const CONTENDERS = [
  {
    id: 'action',
    label: 'llm-preflight action',
    ours: true,
    prepare({ port, timeoutMs, start }) {
      const inputs = { 'base-url': `http://127.0.0.1:${port}`, timeout: `${Math.ceil(timeoutMs / 1000)}s` };
      if (start) inputs.start = start;
      const { env, cwd, outputsFile } = actionEnv(inputs);
      return {
        command: process.execPath,
        args: [DIST_ACTION],
        env,
        cwd,
        verdict: () => {
          const outputs = parseFileCommands(readFileSync(outputsFile, 'utf8'));
          return { ready: outputs.ready === 'true', cause: outputs.cause || undefined };
        },
      };
    },
  },
  {
    id: 'cli',
    label: 'llm-preflight CLI',
    ours: true,
    prepare({ port, timeoutMs, start }) {
      const args = [DIST_CLI, '--json', '--timeout', `${Math.ceil(timeoutMs / 1000)}s`];
      if (start) args.push('--start', start);
      args.push(`http://127.0.0.1:${port}`);
      return {
        command: process.execPath,
        args,
        env: baseEnv(),
        verdict: (run) => {
          try {
            const report = JSON.parse(run.stdout);
            return { ready: report.ready === true, cause: report.cause ?? undefined };
          } catch {
            return { ready: run.code === 0 };
          }
        },
      };
    },
  },
  {
    id: 'wait-on',
    label: 'wait-on (250 ms)',
    prepare({ port, timeoutMs }) {
      return {
        command: process.execPath,
        args: [WAIT_ON, '-t', String(timeoutMs), `http-get://127.0.0.1:${port}/v1/models`],
        env: baseEnv(),
        verdict: (run) => ({ ready: run.code === 0 }),
      };
    },
  },
  ...[1, 5].map((sleepSeconds) => ({
    id: `curl-${sleepSeconds}s`,
    label: `curl loop, sleep ${sleepSeconds}`,
    needsCurl: true,
    prepare({ port, timeoutMs }) {
      const loop = `until curl -sf -o /dev/null http://127.0.0.1:${port}/v1/models; do sleep ${sleepSeconds}; done`;
      return {
        command: 'timeout',
        args: [String(Math.ceil(timeoutMs / 1000)), 'sh', '-c', loop],
        env: baseEnv(),
        verdict: (run) => ({ ready: run.code === 0 }),
      };
    },
  })),
];

async function runContender(contender, job, { measureRss = false } = {}) {
  const prepared = contender.prepare(job);
  const run = await runProcess({ ...prepared, timeoutMs: job.timeoutMs, measureRss });
  let verdict;
  try {
    verdict = prepared.verdict(run);
  } catch (error) {
    verdict = { ready: false, problem: String(error) };
  }
  return { ...run, ...verdict };
}

/** Why a run does not count, or undefined when it does. */
function problemWith(run, expectReady) {
  if (run.error) return run.error;
  if (run.killedByHarness) return 'killed by the harness (ran far past its own deadline)';
  if (expectReady && !run.ready)
    return `not ready (exit ${run.code}${run.cause ? `, cause ${run.cause}` : ''})`;
  return undefined;
}

function tail(text, lines = 5) {
  return text.trim().split('\n').slice(-lines).join('\n    ');
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

/** Requests a server saw while loading: count, mean rate over the loading span, busiest 1 s window. */
function loadingRequestStats(requests, listeningAtMs, readyAtMs) {
  const loading = requests.filter((r) => r.phase === 'loading').map((r) => r.atMs);
  return {
    loadingRequests: loading.length,
    loadingRatePerSecond: ratePerSecond(loading.length, readyAtMs - listeningAtMs),
    loadingPeakPerSecond: peakCountInWindow(loading, 1000),
  };
}

/** One contender against one bench server: refuse, load, serve; lag from the server's ready moment to exit. */
async function readyLagRun(contender, { refuseMs, loadingMs, timeoutMs }) {
  const server = await startBenchServer();
  const port = await freePort();
  try {
    server.go({ port, refuseMs, loadingMs });
    const run = await runContender(contender, { port, timeoutMs });
    // The report comes after any 'ready' the server sent before it (IPC keeps order), so this sees it.
    const requests = await server.report();
    const ready = server.seen('ready');
    const listening = server.seen('listening');
    const record = {
      contender: contender.id,
      code: run.code,
      ready: run.ready,
      wallMs: run.exitedAtMs - run.startedAtMs,
      lagMs: ready ? run.exitedAtMs - ready.atMs : undefined,
      ...(ready && listening ? loadingRequestStats(requests, listening.atMs, ready.atMs) : {}),
      requestsAfterReady: requests.filter((r) => r.phase === 'ready').length,
    };
    record.problem =
      problemWith(run, true) ?? (ready ? undefined : 'exited before the server was ready (a false "ready")');
    if (record.problem) record.output = tail(run.stderr || run.stdout);
    return record;
  } finally {
    await server.stop();
  }
}

async function scenarioReady(contenders) {
  const runs = [];
  const timeoutMs = SETTINGS.refuseMs + SETTINGS.loadingMs + SETTINGS.jitterMs + 60_000;
  for (let round = 0; round < SETTINGS.readyRounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const loadingMs = Math.round(
        SETTINGS.loadingMs + stratifiedOffsetMs(round, SETTINGS.readyRounds, SETTINGS.jitterMs),
      );
      const record = await readyLagRun(contender, { refuseMs: SETTINGS.refuseMs, loadingMs, timeoutMs });
      record.round = round;
      record.loadingMs = loadingMs;
      runs.push(record);
      progress(
        `[ready ${round + 1}/${SETTINGS.readyRounds}] ${contender.id}: lag ${formatMs(record.lagMs)}, ` +
          `${record.loadingRequests ?? '?'} requests while loading${record.problem ? ` — ${record.problem}` : ''}`,
      );
    }
  }
  return runs;
}

/** Scenario 2: every contender against its own server at once; ready moments staggered so exits never collide. */
async function scenarioLong(contenders) {
  const runs = [];
  for (let round = 0; round < SETTINGS.longRounds; round++) {
    const order = rotate(contenders, round);
    const jobs = order.map((contender, index) => {
      const loadingMs = Math.round(
        SETTINGS.longMs +
          index * SETTINGS.longStaggerMs +
          stratifiedOffsetMs(round, SETTINGS.longRounds, Math.min(SETTINGS.jitterMs, SETTINGS.longStaggerMs)),
      );
      const timeoutMs = SETTINGS.refuseMs + loadingMs + 60_000;
      return readyLagRun(contender, { refuseMs: SETTINGS.refuseMs, loadingMs, timeoutMs }).then((record) => {
        record.round = round;
        record.loadingMs = loadingMs;
        progress(
          `[long ${round + 1}/${SETTINGS.longRounds}] ${contender.id}: lag ${formatMs(record.lagMs)}, ` +
            `${record.loadingRequests ?? '?'} requests in ${formatMs(loadingMs)} of loading` +
            `${record.problem ? ` — ${record.problem}` : ''}`,
        );
        return record;
      });
    });
    runs.push(...(await Promise.all(jobs)));
  }
  return runs;
}

/** Scenario 3: ours start the crashing server themselves; the peers poll one the harness starts alongside. */
async function scenarioDead(contenders) {
  const runs = [];
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const exitFile = join(SCRATCH, `crash-exit-${round}-${contender.id}`);
      const port = await freePort();
      const start = [process.execPath, CRASH_SCRIPT, exitFile].map(shellQuote).join(' ');
      let crash;
      if (!contender.ours)
        crash = spawn(process.execPath, [CRASH_SCRIPT, exitFile], { stdio: 'ignore', env: baseEnv() });
      const timeoutMs = contender.ours ? 60_000 : SETTINGS.peerTimeoutMs;
      const run = await runContender(contender, { port, timeoutMs, ...(contender.ours ? { start } : {}) });
      if (crash && crash.exitCode === null) await new Promise((r) => crash.once('exit', r));
      const crashExitAtMs = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8')) : undefined;
      const record = {
        round,
        contender: contender.id,
        code: run.code,
        ready: run.ready,
        cause: run.cause,
        wallMs: run.exitedAtMs - run.startedAtMs,
        failedAfterExitMs: crashExitAtMs === undefined ? undefined : run.exitedAtMs - crashExitAtMs,
        timeoutMs,
      };
      record.problem = problemWith(run, false);
      if (!record.problem && run.ready) record.problem = 'reported ready for a dead server';
      if (!record.problem && crashExitAtMs === undefined) record.problem = 'the crashing server never ran';
      if (record.problem) record.output = tail(run.stderr || run.stdout);
      runs.push(record);
      progress(
        `[dead ${round + 1}/${SETTINGS.rounds}] ${contender.id}: failed ${formatMs(record.failedAfterExitMs)} after ` +
          `the server died${record.cause ? ` (cause: ${record.cause})` : ''}${record.problem ? ` — ${record.problem}` : ''}`,
      );
    }
  }
  return runs;
}

/** Scenario 4: a server that is ready before the contender starts; whole-process wall time and peak RSS. */
async function scenarioCold(contenders) {
  const server = await startBenchServer();
  const port = await freePort();
  server.go({ port, refuseMs: 0, loadingMs: 0 });
  await server.waitFor('ready');
  const baseline = {
    id: 'node -e 0',
    label: 'node -e 0 (floor)',
    prepare: () => ({
      command: process.execPath,
      args: ['-e', '0'],
      env: baseEnv(),
      verdict: (run) => ({ ready: run.code === 0 }),
    }),
  };
  const runs = [];
  try {
    for (let round = 0; round < SETTINGS.coldRounds; round++) {
      for (const contender of rotate([...contenders, baseline], round)) {
        const run = await runContender(contender, { port, timeoutMs: 30_000 }, { measureRss: true });
        const record = {
          round,
          contender: contender.id,
          code: run.code,
          ready: run.ready,
          wallMs: run.exitedAtMs - run.startedAtMs,
          peakRssKb: run.peakRssKb,
          cpuMs: run.cpuMs,
        };
        record.problem = problemWith(run, true);
        if (record.problem) record.output = tail(run.stderr || run.stdout);
        runs.push(record);
      }
      progress(`[cold ${round + 1}/${SETTINGS.coldRounds}] done`);
    }
  } finally {
    await server.stop();
  }
  return runs;
}

function distSizes() {
  const sizes = {};
  const add = (name, path) => {
    if (existsSync(path)) sizes[name] = statSync(path).size;
  };
  add('dist/index.js', DIST_ACTION);
  add('dist/cli/index.js', DIST_CLI);
  add('dist/post/index.js', join(ROOT, 'dist/post/index.js'));
  // Chunks split off by lazy imports load only when needed; listed so nothing hides there.
  for (const dir of ['dist', 'dist/cli', 'dist/post'])
    for (const name of readdirSync(join(ROOT, dir)))
      if (name.endsWith('.js') && name !== 'index.js') add(`${dir}/${name}`, join(ROOT, dir, name));
  return sizes;
}

/** Scenario 1 against the real llama.cpp llama-server with a tiny random-weight model, where it is built. */
async function findLlamaServer() {
  const scriptPath = join(ROOT, 'scripts/build-llama-server.js');
  if (!existsSync(scriptPath)) return { skip: 'scripts/build-llama-server.js is absent' };
  const script = await import(scriptPath);
  const root = script.cacheRoot();
  const pointer = join(root, `node-llama-cpp-${script.NODE_LLAMA_CPP_VERSION}.tag`);
  const tag = existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : '';
  if (!tag || !existsSync(join(root, tag, 'llama-server')))
    return { skip: 'llama-server is not built (npm run real-server:build builds it, ~8 min on 2 cores)' };
  // Cached, so this returns at once without building anything.
  const build = await script.ensureLlamaServer({ log: () => {} });
  const { writeTinyModel } = await import(join(ROOT, 'test/support/tiny-gguf.ts'));
  const modelPath = join(SCRATCH, 'tiny-llama.gguf');
  await writeTinyModel(modelPath, build.vocabPath);
  return { binary: build.binary, modelPath, tag: build.tag };
}

/** llama-server's ready moment is when it logs that it listens, which it does once the model is in. */
const LLAMA_READY_LINE = /listening on http/;

async function scenarioLlama(contenders, llama) {
  const runs = [];
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const port = await freePort();
      // As the end-to-end tests run it: one thread, one slot, no web UI, no warmup.
      const args = ['-m', llama.modelPath, '--port', String(port), '-a', 'tiny', '--host', '127.0.0.1'];
      args.push('-c', '256', '-np', '1', '-t', '1', '--no-webui', '--no-warmup');
      let readyAtMs;
      let server;
      // Like scenario 1, nothing listens at first: the contender is polling (not still starting up) by the time
      // llama-server, which loads the tiny model in well under a second, becomes ready.
      const starter = setTimeout(
        () => {
          server = spawn(llama.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
          for (const stream of [server.stdout, server.stderr])
            createInterface({ input: stream }).on('line', (line) => {
              if (readyAtMs === undefined && LLAMA_READY_LINE.test(line)) readyAtMs = now();
            });
        },
        Math.max(0, SETTINGS.refuseMs + stratifiedOffsetMs(round, SETTINGS.rounds, SETTINGS.jitterMs)),
      );
      const run = await runContender(contender, { port, timeoutMs: 60_000 });
      clearTimeout(starter);
      if (server && server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      const record = {
        round,
        contender: contender.id,
        code: run.code,
        ready: run.ready,
        wallMs: run.exitedAtMs - run.startedAtMs,
        lagMs: readyAtMs === undefined ? undefined : run.exitedAtMs - readyAtMs,
      };
      record.problem =
        problemWith(run, true) ??
        (readyAtMs === undefined ? 'llama-server never logged that it listens' : undefined);
      if (record.problem) record.output = tail(run.stderr || run.stdout);
      runs.push(record);
      progress(
        `[llama ${round + 1}/${SETTINGS.rounds}] ${contender.id}: lag ${formatMs(record.lagMs)}` +
          `${record.problem ? ` — ${record.problem}` : ''}`,
      );
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------------------
// Report

const valid = (runs, id) => runs.filter((r) => r.contender === id && !r.problem);
const okCount = (runs, id) => `${valid(runs, id).length}/${runs.filter((r) => r.contender === id).length}`;
const summaryOf = (runs, id, field) => summarize(valid(runs, id).map((r) => r[field]));
const maxOf = (runs, id, field) => {
  const values = valid(runs, id)
    .map((r) => r[field])
    .filter((v) => v !== undefined);
  return values.length ? Math.max(...values) : undefined;
};
const fmtNumber = (value, digits = 1) => (value === undefined ? '—' : value.toFixed(digits));

function ratioLines(runs, contenders, field, what) {
  const peers = contenders.filter((c) => !c.ours && valid(runs, c.id).length > 0);
  return contenders
    .filter((c) => c.ours)
    .map((c) => {
      const ours = summaryOf(runs, c.id, field).median;
      const parts = peers.map(
        (p) => `${formatRatio(ratio(ours, summaryOf(runs, p.id, field).median))} ${p.id}`,
      );
      return `  ${c.id} ${what}: ${parts.join(', ') || 'no peer to compare with'}`;
    });
}

function readyTable(runs, contenders, withRequests) {
  const header = ['contender', 'ready lag median [min–max]', 'IQR'];
  if (withRequests) header.push('requests while loading', 'req/s loading (mean / peak 1 s)');
  header.push('ok');
  const rows = [header];
  for (const c of contenders) {
    const lag = summaryOf(runs, c.id, 'lagMs');
    const row = [c.label, formatSpread(lag), lag.n ? `${formatMs(lag.q1)}–${formatMs(lag.q3)}` : '—'];
    if (withRequests) {
      row.push(fmtNumber(summaryOf(runs, c.id, 'loadingRequests').median, 0));
      row.push(
        `${fmtNumber(summaryOf(runs, c.id, 'loadingRatePerSecond').median)} / ${fmtNumber(maxOf(runs, c.id, 'loadingPeakPerSecond'), 0)}`,
      );
    }
    row.push(okCount(runs, c.id));
    rows.push(row);
  }
  return renderTable(rows);
}

function deadTable(runs, contenders) {
  const rows = [['contender', 'failed after the exit, median [min–max]', 'cause named', 'its timeout', 'ok']];
  for (const c of contenders) {
    const mine = valid(runs, c.id);
    const causes = [...new Set(mine.map((r) => r.cause ?? '— (timed out)'))].join(', ');
    const timeout = runs.find((r) => r.contender === c.id)?.timeoutMs;
    rows.push([
      c.label,
      formatSpread(summaryOf(runs, c.id, 'failedAfterExitMs')),
      causes || '—',
      formatMs(timeout),
      okCount(runs, c.id),
    ]);
  }
  return renderTable(rows);
}

const formatMb = (kb) => (kb === undefined ? '—' : `${(kb / 1024).toFixed(1)} MiB`);

function coldTable(runs, ids) {
  const rows = [
    ['contender', 'wall median [min–max]', 'CPU (user+sys) median', 'peak RSS median [min–max]', 'ok'],
  ];
  for (const { id, label } of ids)
    rows.push([
      label,
      formatSpread(summaryOf(runs, id, 'wallMs')),
      formatMs(summaryOf(runs, id, 'cpuMs').median),
      formatSpread(summaryOf(runs, id, 'peakRssKb'), formatMb),
      okCount(runs, id),
    ]);
  return renderTable(rows);
}

function target(name, value, limit, shown) {
  if (value === undefined) return { name, status: 'NOT MEASURED', shown: '—' };
  return { name, status: value <= limit ? 'met' : 'MISSED', shown };
}

/** The command that reproduces this run: the BENCH_* variables that were set, then npm run bench. */
function commandLine() {
  const set = Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('BENCH_') && value)
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  return [...set, 'npm run bench'].join(' ');
}

function gitDescription() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'dist'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (head.status !== 0) return 'unknown';
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' + uncommitted changes in src/ or dist/' : ''}`;
}

/** dist/ older than src/ measures yesterday's code: say so. */
function staleDistWarning() {
  const newest = (dir) => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
      if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    return latest;
  };
  if (!existsSync(DIST_ACTION)) return 'dist/index.js is missing: run npm run build';
  if (newest(join(ROOT, 'src')) > statSync(DIST_ACTION).mtimeMs)
    return 'src/ changed after dist/index.js was built: these figures are for the built bundle (npm run build).';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 24) {
    console.error(
      `bench: Node ${process.versions.node}; run it with Node 24 (npm run bench puts it on PATH).`,
    );
    process.exit(2);
  }
  for (const path of [DIST_ACTION, DIST_CLI, WAIT_ON])
    if (!existsSync(path)) {
      console.error(`bench: ${path} is missing (npm ci && npm run build)`);
      process.exit(2);
    }
  const stale = staleDistWarning();
  if (stale) note(stale);
  if (!TIME_BIN) note('/usr/bin/time is not installed: no peak RSS figures (apt-get install -y time).');
  const curlFound = hasCommand('curl') && hasCommand('timeout', ['--version']);
  if (!curlFound)
    note('curl (or coreutils timeout) not found: the curl-loop rows are skipped (apt-get install -y curl).');
  for (const id of SETTINGS.contenders)
    if (!CONTENDERS.some((c) => c.id === id)) {
      console.error(
        `bench: BENCH_CONTENDERS lists "${id}"; contenders are ${CONTENDERS.map((c) => c.id).join(', ')}`,
      );
      process.exit(2);
    }
  const contenders = CONTENDERS.filter(
    (c) =>
      (curlFound || !c.needsCurl) && (SETTINGS.contenders.length === 0 || SETTINGS.contenders.includes(c.id)),
  );

  const startedAt = new Date();
  const loadBefore = loadavg();
  console.error(
    `llm-preflight bench: ${SETTINGS.rounds} rounds, ${cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, ` +
      `Node ${process.versions.node}, commit ${gitDescription()}`,
  );

  const results = {};
  if (wanted('ready')) results.ready = await scenarioReady(contenders);
  if (wanted('dead')) results.dead = await scenarioDead(contenders);
  if (wanted('cold')) results.cold = await scenarioCold(contenders);
  let llama;
  if (wanted('llama')) {
    llama = await findLlamaServer();
    if (llama.skip) note(`real llama-server row skipped: ${llama.skip}`);
    else results.llama = await scenarioLlama(contenders, llama);
  }
  if (wanted('long')) results.long = await scenarioLong(contenders);
  const sizes = distSizes();
  const loadAfter = loadavg();

  // ---- the report
  const out = [];
  const heading = (text) => out.push('', text, '');
  out.push(
    `llm-preflight benchmark — ${startedAt.toISOString()}, commit ${gitDescription()}`,
    `Node ${process.versions.node}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
      `load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after. ` +
      `Command: ${commandLine()}`,
  );
  if (results.ready) {
    heading(
      `1. Ready lag: refuses ${SETTINGS.refuseMs} ms, 503 "Loading model" ${SETTINGS.loadingMs} ± ${SETTINGS.jitterMs / 2} ms, then ready (${SETTINGS.readyRounds} rounds)`,
    );
    out.push(readyTable(results.ready, contenders, true));
    out.push(
      'Ratios (ready lag, ours ÷ peer, medians):',
      ...ratioLines(results.ready, contenders, 'lagMs', 'ready lag'),
    );
  }
  if (results.llama) {
    heading(
      `1b. Ready lag against the real llama-server ${llama.tag}: started ${SETTINGS.refuseMs} ± ${SETTINGS.jitterMs / 2} ms after the contender, tiny model (${SETTINGS.rounds} rounds)`,
    );
    out.push(readyTable(results.llama, contenders, false));
    out.push(
      'Ratios (ready lag, ours ÷ peer, medians):',
      ...ratioLines(results.llama, contenders, 'lagMs', 'ready lag'),
    );
  }
  if (results.long) {
    heading(
      `2. Long load: refuses ${SETTINGS.refuseMs} ms, loads ${formatMs(SETTINGS.longMs)} ± ${Math.min(SETTINGS.jitterMs, SETTINGS.longStaggerMs) / 2} ms (+${SETTINGS.longStaggerMs} ms per slot, contenders side by side), ${SETTINGS.longRounds} rounds`,
    );
    out.push(readyTable(results.long, contenders, true));
    out.push(
      'Ratios (ready lag, ours ÷ peer, medians):',
      ...ratioLines(results.long, contenders, 'lagMs', 'ready lag'),
    );
  }
  if (results.dead) {
    heading(
      `3. Dead server: CUDA OOM line, exit 1 after 1 s; peers poll it with a ${formatMs(SETTINGS.peerTimeoutMs)} timeout (${SETTINGS.rounds} rounds)`,
    );
    out.push(deadTable(results.dead, contenders));
    out.push(
      'Ratios (time from exit to failure, ours ÷ peer, medians):',
      ...ratioLines(results.dead, contenders, 'failedAfterExitMs', 'failure after exit'),
    );
  }
  if (results.cold) {
    heading(
      `4. Cold start: server already ready; spawn → exit, peak RSS from ${TIME_BIN ?? '(unavailable)'} (${SETTINGS.coldRounds} rounds)`,
    );
    out.push(coldTable(results.cold, [...contenders, { id: 'node -e 0', label: 'node -e 0 (floor)' }]));
    out.push(
      'Ratios (cold start wall, ours ÷ peer, medians):',
      ...ratioLines(results.cold, contenders, 'wallMs', 'wall'),
    );
    out.push(
      'Ratios (peak RSS, ours ÷ peer, medians):',
      ...ratioLines(results.cold, contenders, 'peakRssKb', 'peak RSS'),
    );
    const floor = summaryOf(results.cold, 'node -e 0', 'wallMs').median;
    const aboveFloor = contenders
      .map((c) => {
        const wall = summaryOf(results.cold, c.id, 'wallMs').median;
        return wall === undefined || floor === undefined ? undefined : `${c.id} ${formatMs(wall - floor)}`;
      })
      .filter(Boolean);
    out.push(
      `Start-up beyond Node's own (median wall − median node -e 0): ${aboveFloor.join(', ') || 'n/a'}`,
    );
  }
  heading('Bundle sizes');
  out.push(
    renderTable([
      ['file', 'bytes', ''],
      ...Object.entries(sizes).map(([f, b]) => [f, String(b), formatBytes(b)]),
    ]),
  );

  // ---- targets (issue 6), from this run's medians
  const targets = [];
  const med = (runs, id, field) => (runs ? summaryOf(runs, id, field).median : undefined);
  const waitOnLag = med(results.ready, 'wait-on', 'lagMs');
  const actionLag = med(results.ready, 'action', 'lagMs');
  const lagRatio = ratio(actionLag, waitOnLag);
  targets.push(target('ready lag (1) ≤ 0.5× wait-on', lagRatio, 0.5, formatRatio(lagRatio)));
  const longLag = med(results.long, 'action', 'lagMs');
  targets.push(
    target(`ready lag (2, ${formatMs(SETTINGS.longMs)} load) < 1 s`, longLag, 999.999, formatMs(longLag)),
  );
  const peakRate = Math.max(
    ...['ready', 'long'].flatMap((s) =>
      results[s]
        ? contenders.filter((c) => c.ours).map((c) => maxOf(results[s], c.id, 'loadingPeakPerSecond') ?? 0)
        : [],
    ),
    -Infinity,
  );
  targets.push(
    target(
      '≤ 10 requests/s to a loading server (busiest 1 s, ours)',
      Number.isFinite(peakRate) ? peakRate : undefined,
      10,
      `${peakRate}`,
    ),
  );
  const deadLag = med(results.dead, 'action', 'failedAfterExitMs');
  targets.push(target('dead server named ≤ 1 s after its exit', deadLag, 1000, formatMs(deadLag)));
  const coldWall = med(results.cold, 'action', 'wallMs');
  targets.push(target('cold start wall < 300 ms', coldWall, 299.999, formatMs(coldWall)));
  const coldRss = med(results.cold, 'action', 'peakRssKb');
  targets.push(
    target('cold start peak RSS < 80 MB', coldRss, (80 * 1000 * 1000) / 1024 - 0.001, formatMb(coldRss)),
  );
  const bundle = sizes['dist/index.js'];
  targets.push(target('dist/index.js < 1.5 MB', bundle, 1_500_000 - 1, formatBytes(bundle)));
  heading('Targets (issue 6), action medians from this run');
  out.push(
    renderTable([['target', 'measured', 'status'], ...targets.map((t) => [t.name, t.shown, t.status])]),
  );
  if (notes.length) out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  const problems = Object.entries(results).flatMap(([scenario, runs]) =>
    runs
      .filter((r) => r.problem)
      .map((r) => `  - ${scenario} round ${r.round + 1}, ${r.contender}: ${r.problem}`),
  );
  if (problems.length) out.push('', 'Runs that did not count:', ...problems);

  const report = out.join('\n');
  console.log(report);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = {
    startedAt: startedAt.toISOString(),
    commit: gitDescription(),
    node: process.versions.node,
    cpus: cpus().length,
    loadavg: { before: loadBefore, after: loadAfter },
    settings: SETTINGS,
    notes,
    sizes,
    targets,
    runs: results,
    report,
  };
  writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  console.error(`\nwrote ${join('bench/results/latest.json')}`);
}

try {
  await main();
} finally {
  rmSync(SCRATCH, { recursive: true, force: true });
}
