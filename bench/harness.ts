// Processes and the clock: spawning contenders with start and exit moments, free ports, and bench/server.js
// children driven over IPC. Every moment is on one clock (nowMs), the one the servers stamp their events with.

import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/support/action-runner.ts';

export { ROOT };

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const nowMs = () => performance.timeOrigin + performance.now();

export const SCRATCH = mkdtempSync(join(tmpdir(), 'llm-preflight-bench-'));
export const removeScratch = () => rmSync(SCRATCH, { recursive: true, force: true });

const SERVER_SCRIPT = join(ROOT, 'bench/server.js');
/** Whatever a contender does, the harness ends it after this long past its own deadline. */
const HARNESS_GRACE_MS = 30_000;
const KEPT_OUTPUT_CHARS = 64 * 1024;

export const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function hasCommand(command: string, args = ['--version']): boolean {
  return !spawnSync(command, args, { stdio: 'ignore' }).error;
}

export interface ProcessSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  measureRss?: boolean;
}

export interface ProcessRun {
  startedAtMs: number;
  exitedAtMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
  killedByHarness: boolean;
  stdout: string;
  stderr: string;
  peakRssKb?: number;
  cpuMs?: number;
}

/** /usr/bin/time's "%M %U %S" line: peak RSS in KiB, user and system seconds. */
function readTimeFile(path: string): { peakRssKb?: number; cpuMs?: number } {
  // The last line is ours; a command that failed may have made time print a note above it.
  const line = readFileSync(path, 'utf8').trim().split('\n').at(-1) ?? '';
  const [rss, user, system] = line.split(' ').map(Number);
  const figures: { peakRssKb?: number; cpuMs?: number } = {};
  if (Number.isFinite(rss)) figures.peakRssKb = rss;
  if (Number.isFinite(user) && Number.isFinite(system)) figures.cpuMs = (user! + system!) * 1000;
  return figures;
}

/**
 * Runs one contender. startedAtMs is taken right before spawn and exitedAtMs in the 'exit' handler, both on the
 * shared clock. With measureRss, the process runs under /usr/bin/time, which reports its peak RSS (the kernel's
 * maxrss: the whole lifetime, exit included).
 */
export function runProcess({ command, args, env, cwd = ROOT, timeoutMs, measureRss = false }: ProcessSpec) {
  let file = command;
  let argv = args;
  let timeFile: string | undefined;
  if (measureRss && TIME_BIN) {
    timeFile = join(SCRATCH, `rss-${process.hrtime.bigint()}`);
    file = TIME_BIN;
    argv = ['-f', '%M %U %S', '-o', timeFile, command, ...args];
  }
  return new Promise<ProcessRun>((resolveRun) => {
    const startedAtMs = nowMs();
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const keep = (text: string, chunk: Buffer) => (text + chunk).slice(-KEPT_OUTPUT_CHARS);
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    let killedByHarness = false;
    const killer = setTimeout(() => {
      killedByHarness = true;
      child.kill('SIGKILL');
    }, timeoutMs + HARNESS_GRACE_MS);
    let exit: Pick<ProcessRun, 'code' | 'signal' | 'exitedAtMs' | 'error'> | undefined;
    child.on('exit', (code, signal) => {
      exit = { code, signal, exitedAtMs: nowMs() };
    });
    child.on('error', (error) => {
      exit = { code: null, signal: null, exitedAtMs: nowMs(), error: String(error) };
    });
    child.on('close', () => {
      clearTimeout(killer);
      const figures = timeFile && existsSync(timeFile) ? readTimeFile(timeFile) : {};
      const ended = exit ?? { code: null, signal: null, exitedAtMs: nowMs() };
      resolveRun({ startedAtMs, ...ended, killedByHarness, stdout, stderr, ...figures });
    });
  });
}

export interface ServerRequest {
  atMs: number;
  path: string;
  status: number;
  phase: 'refusing' | 'loading' | 'ready';
}

interface ServerEvent {
  event: string;
  atMs?: number;
  requests?: ServerRequest[];
}

export interface BenchServer {
  seen: (event: string) => ServerEvent | undefined;
  waitFor: (event: string) => Promise<ServerEvent>;
  go: (options: { port: number; refuseMs: number; loadingMs: number; shape?: 'llamacpp' | 'vllm' }) => void;
  report: () => Promise<ServerRequest[]>;
  stop: () => Promise<void>;
}

/** A bench/server.js child, booted and waiting for 'go'. */
export async function startBenchServer(): Promise<BenchServer> {
  const child = fork(SERVER_SCRIPT, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const events = new Map<string, ServerEvent>();
  const waiters: Array<{ event: string; resolve: (message: ServerEvent) => void }> = [];
  child.on('message', (message: ServerEvent) => {
    events.set(message.event, message);
    for (const waiter of waiters) if (waiter.event === message.event) waiter.resolve(message);
  });
  const waitFor = (event: string) =>
    events.has(event)
      ? Promise.resolve(events.get(event)!)
      : new Promise<ServerEvent>((resolveEvent, reject) => {
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
      return (await waitFor('report')).requests ?? [];
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

/** Ends a child the harness started (a server) and waits until it is gone. */
export async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  await exited;
}

export const shellQuote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;

/** The last lines of a contender's output, indented for the report's problem list. */
export function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join('\n    ');
}

/** Progress goes to stderr, so stdout carries the report alone. */
export const progress = (text: string) => console.error(text);
