import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { ServerKind } from './causes.js';
import type { Config } from './config/schema.js';
import { LOG_TAIL_BYTES } from './limits.js';
import { LogReader } from './log-lines.js';
import type { Redactor } from './redact.js';
import type { Evidence } from './types.js';

/** Everything that feeds evidence besides our own HTTP requests: a started process, a log file, a container. */
export interface EvidenceSources {
  subscribe(onEvidence: (ev: Evidence) => void, onReadyHint: () => void): () => void;
  /** The last lines of each log we read, redacted and capped. */
  tails(): Array<{ source: string; lines: string[] }>;
  /** Where the output of a started server goes. */
  logFile?: string;
  startedPid?: number;
  /** Stops watching (timers, readers). Never stops the server: it must outlive the step. */
  close(): Promise<void>;
}

export interface SupervisorDeps {
  env: Record<string, string | undefined>;
  redact: Redactor;
  now: () => number;
  /** Where to put the server log: RUNNER_TEMP on a runner. */
  tempDir?: string;
  /** How often to look at logs and containers. */
  pollMs?: number;
}

type Listener = { onEvidence: (ev: Evidence) => void; onReadyHint: () => void };

export function startSources(config: Config, deps: SupervisorDeps): EvidenceSources {
  const startedAt = deps.now();
  const at = () => Math.round(deps.now() - startedAt);
  const listeners = new Set<Listener>();
  const backlog: Evidence[] = [];
  const emit = (ev: Evidence) => {
    backlog.push(ev);
    for (const l of listeners) l.onEvidence(ev);
  };
  const ready = () => {
    for (const l of listeners) l.onReadyHint();
  };
  const kind: ServerKind | undefined = config.server === 'auto' ? undefined : config.server;
  const readers: Array<{ source: string; reader: LogReader }> = [];
  const stops: Array<() => void> = [];
  const pollMs = deps.pollMs ?? 100;
  let logFile: string | undefined;
  let startedPid: number | undefined;

  if (config.start) {
    const dir = deps.tempDir ?? deps.env.RUNNER_TEMP ?? tmpdir();
    logFile = join(dir, `llm-preflight-server-${process.pid}-${Date.now()}.log`);
    const fd = openSync(logFile, 'a');
    // Detached in its own process group, so the post step can stop the server and everything it forked.
    const child = spawn('/bin/sh', ['-c', config.start], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: deps.env as NodeJS.ProcessEnv,
    });
    closeSync(fd);
    startedPid = child.pid;
    const reader = new LogReader('server log', kind, deps.redact, emit, ready, at);
    readers.push({ source: 'server log', reader });
    const tailer = tailFile(logFile, reader, 0, pollMs);
    stops.push(tailer.stop);
    child.on('error', (error) => {
      emit({
        kind: 'exit',
        atMs: at(),
        code: null,
        signal: null,
        source: `start command (${deps.redact(error.message)})`,
      });
    });
    child.on('exit', (code, signal) => {
      // Read what it wrote last before reporting the exit: the cause is usually in its final lines.
      tailer.readNow();
      reader.flush();
      emit({ kind: 'exit', atMs: at(), code, signal, source: 'start command' });
    });
    // The step must be able to end while the server keeps running.
    child.unref();
  }

  if (config.logFile) {
    const path = config.logFile;
    const reader = new LogReader(path, kind, deps.redact, emit, ready, at);
    readers.push({ source: path, reader });
    let start = 0;
    try {
      start = Math.max(0, statSync(path).size - LOG_TAIL_BYTES);
    } catch {
      emit({
        kind: 'note',
        atMs: at(),
        text: `log-file ${path} does not exist (yet); it is read as soon as it appears`,
      });
    }
    const tailer = tailFile(path, reader, start, Math.max(pollMs, 250));
    stops.push(tailer.stop);
  }

  if (config.container) {
    const watcher = watchContainer(config.container, kind, deps, emit, ready, at);
    readers.push({ source: `container ${config.container}`, reader: watcher.reader });
    stops.push(watcher.stop);
  }

  const sources: EvidenceSources = {
    subscribe(onEvidence, onReadyHint) {
      const listener = { onEvidence, onReadyHint };
      listeners.add(listener);
      for (const ev of backlog) onEvidence(ev);
      return () => listeners.delete(listener);
    },
    tails: () => readers.map(({ source, reader }) => ({ source, lines: reader.tail() })),
    async close() {
      for (const stop of stops) stop();
      for (const { reader } of readers) reader.flush();
    },
  };
  if (logFile) sources.logFile = logFile;
  if (startedPid !== undefined) sources.startedPid = startedPid;
  return sources;
}

/** Polls a file for new bytes. Polling (not fs.watch) works the same on every file system a runner uses. */
function tailFile(path: string, reader: LogReader, startOffset: number, pollMs: number) {
  let offset = startOffset;
  const buffer = Buffer.alloc(64 * 1024);
  const readNow = () => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < offset) offset = 0; // truncated or rotated
      // Bounded per look: a server printing faster than we read loses its middle, never its newest lines.
      if (size - offset > LOG_TAIL_BYTES) offset = size - LOG_TAIL_BYTES;
      while (offset < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
        if (n <= 0) break;
        offset += n;
        reader.push(buffer.subarray(0, n).toString('utf8'));
      }
    } finally {
      closeSync(fd);
    }
  };
  readNow();
  const timer = setInterval(readNow, pollMs);
  timer.unref();
  return { readNow, stop: () => clearInterval(timer) };
}

interface ContainerState {
  Status?: string;
  ExitCode?: number;
  OOMKilled?: boolean;
  Health?: { Status?: string } | null;
}

/**
 * Container evidence through the docker CLI rather than the Engine API socket: the CLI is on every runner
 * image, honours DOCKER_HOST, contexts and TLS settings the user configured, and needs no socket client here.
 */
function watchContainer(
  id: string,
  kind: ServerKind | undefined,
  deps: SupervisorDeps,
  emit: (ev: Evidence) => void,
  ready: () => void,
  at: () => number,
) {
  const source = `container ${id}`;
  const reader = new LogReader(source, kind, deps.redact, emit, ready, at);
  let stopped = false;
  let lastState = '';
  let logsSeen = 0;
  let busy = false;
  const docker = (args: string[]) =>
    new Promise<{ ok: boolean; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'docker',
        args,
        { env: deps.env as NodeJS.ProcessEnv, timeout: 5_000, maxBuffer: LOG_TAIL_BYTES * 2 },
        (error, stdout, stderr) =>
          resolve({ ok: !error, stdout: String(stdout), stderr: String(stderr || (error?.message ?? '')) }),
      );
    });
  const look = async () => {
    if (stopped || busy) return;
    busy = true;
    try {
      const inspect = await docker(['inspect', '--format', '{{json .State}}|{{.RestartCount}}', id]);
      if (!inspect.ok) {
        const text = deps.redact(inspect.stderr.trim().split('\n')[0] ?? 'docker inspect failed');
        if (text !== lastState) {
          lastState = text;
          emit({ kind: 'note', atMs: at(), text: `cannot read container ${id}: ${text}` });
        }
        return;
      }
      const [stateJson, restarts] = inspect.stdout.trim().split('|');
      let state: ContainerState = {};
      try {
        state = JSON.parse(stateJson ?? '{}') as ContainerState;
      } catch {
        state = {};
      }
      const summary = JSON.stringify([
        state.Status,
        state.ExitCode,
        state.OOMKilled,
        restarts,
        state.Health?.Status,
      ]);
      const logs = await docker(['logs', '--tail', '200', id]);
      // docker logs repeats the tail each time: feed only lines we have not seen (the tail grows at its end).
      const lines = (logs.stdout + logs.stderr).split('\n').filter((l) => l !== '');
      const fresh = lines.length >= logsSeen ? lines.slice(logsSeen) : lines;
      logsSeen = lines.length;
      if (fresh.length) reader.push(fresh.join('\n') + '\n');
      if (summary !== lastState) {
        lastState = summary;
        emit({
          kind: 'container',
          atMs: at(),
          id,
          status: state.Status ?? 'unknown',
          exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : null,
          oomKilled: state.OOMKilled === true,
          restartCount: Number(restarts) || 0,
          health: state.Health?.Status ?? null,
        });
      }
    } finally {
      busy = false;
    }
  };
  void look();
  const timer = setInterval(() => void look(), 1_000);
  timer.unref();
  return {
    reader,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
