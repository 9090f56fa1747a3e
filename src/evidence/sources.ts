import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ServerKind } from '../causes.js';
import type { Config } from '../config/schema.js';
import { LOG_RING_LINES, LOG_TAIL_BYTES } from '../limits.js';
import { LogReader } from './log-reader.js';
import { plainText, text, type Text } from '../text.js';
import { groupAlive, groupMembers } from '../process/process-group.js';
import type { Evidence } from '../types.js';

/**
 * A started server's log and a log-file are polled this often: one probe gap (backoff.ts), so a fatal or
 * ready line acts within ~100 ms. A stat per look costs nothing.
 */
export const FILE_POLL_MS = 100;
/**
 * A container is looked at this often. Each look runs the docker CLI twice (~30 ms of CPU each), so once a
 * second keeps it under a tenth of a core and still names a dead container within a second or two.
 */
export const CONTAINER_POLL_MS = 1_000;
/** One docker CLI call: a daemon that hangs must not hold up the evidence from the next look. */
export const DOCKER_CALL_TIMEOUT_MS = 5_000;
/** Bytes read from one file per look, at most: a server printing faster than we read loses its middle. */
const READ_CHUNK_BYTES = 64 * 1024;

/** Everything that feeds evidence besides our own HTTP requests: a started process, a log file, a container. */
export interface EvidenceSources {
  subscribe(onEvidence: (ev: Evidence) => void, onReadyHint: () => void): () => void;
  /** The last lines of each log we read, redacted and capped. */
  tails(): Array<{ source: string; lines: string[] }>;
  /** Where the output of a started server goes. */
  logFile?: string;
  /** The started shell's pid, which is also its process group id (spawned detached). */
  startedPid?: number;
  /** Stops watching (timers, readers). Never stops the server: it must outlive the step. */
  close(): Promise<void>;
}

export interface SupervisorDeps {
  env: Record<string, string | undefined>;
  now: () => number;
  /** Where to put the server log: RUNNER_TEMP on a runner. */
  tempDir?: string;
  /** How often to look at log files (FILE_POLL_MS). */
  pollMs?: number;
  /** How often to look at a container (CONTAINER_POLL_MS). */
  containerPollMs?: number;
}

type Emit = (ev: Evidence) => void;

interface Watch {
  at: () => number;
  emit: Emit;
  ready: () => void;
  kind: ServerKind | undefined;
  deps: SupervisorDeps;
}

export function startSources(config: Config, deps: SupervisorDeps): EvidenceSources {
  const startedAt = deps.now();
  const listeners = new Set<{ onEvidence: Emit; onReadyHint: () => void }>();
  const backlog: Evidence[] = [];
  const watch: Watch = {
    at: () => Math.round(deps.now() - startedAt),
    emit: (ev) => {
      backlog.push(ev);
      for (const l of listeners) l.onEvidence(ev);
    },
    ready: () => {
      for (const l of listeners) l.onReadyHint();
    },
    kind: config.server === 'auto' ? undefined : config.server,
    deps,
  };
  const readers: Array<{ source: string; reader: LogReader }> = [];
  const stops: Array<() => void> = [];
  let logFile: string | undefined;
  let startedPid: number | undefined;

  if (config.start) {
    const started = startCommand(config.start, watch);
    readers.push({ source: 'server log', reader: started.reader });
    stops.push(started.stop);
    logFile = started.logFile;
    startedPid = started.pid;
  }

  if (config.logFile) {
    const path = config.logFile;
    const reader = new LogReader(path, watch.kind, watch.emit, watch.ready, watch.at);
    readers.push({ source: path, reader });
    const tailer = tailFile(path, reader, 'tail', deps.pollMs ?? FILE_POLL_MS);
    if (!tailer.exists()) {
      watch.emit({
        kind: 'note',
        atMs: watch.at(),
        text: text`log-file ${path} does not exist (yet); it is read as soon as it appears`,
      });
    }
    stops.push(tailer.stop);
  }

  if (config.container) {
    const watcher = watchContainer(config.container, watch);
    readers.push({ source: watcher.source, reader: watcher.reader });
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
      stops.length = 0;
      for (const { reader } of readers) reader.flush();
    },
  };
  if (logFile) sources.logFile = logFile;
  if (startedPid !== undefined) sources.startedPid = startedPid;
  return sources;
}

/**
 * The environment the server runs in: ours, minus the action's own inputs (the api-key among them) and
 * state, which are not the server's business.
 */
export function serverEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name.startsWith('INPUT_') || name.startsWith('STATE_')) continue;
    out[name] = value;
  }
  // Python servers (vLLM, SGLang, LiteLLM, TGI's shards) block-buffer stdout into a file: their lines would
  // arrive in 8 KiB lumps, and the last ones, which hold the cause, be lost when the process is killed.
  out.PYTHONUNBUFFERED ??= '1';
  return out;
}

function openLogFile(dirs: string[]): { path: string; fd: number } | { error: string } {
  let error = 'no directory to write to';
  for (const dir of dirs) {
    const path = join(dir, `llm-preflight-server-${process.pid}-${Date.now()}.log`);
    try {
      mkdirSync(dir, { recursive: true });
      return { path, fd: openSync(path, 'a') };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  return { error };
}

/**
 * `start`: the command runs through /bin/sh, detached in its own process group with its output in a log file,
 * so it outlives this step (unref'd; the post step stops the group) and can be stopped as a whole.
 */
function startCommand(command: string, w: Watch) {
  const { deps } = w;
  const reader = new LogReader('server log', w.kind, w.emit, w.ready, w.at);
  const dirs = [deps.tempDir ?? deps.env.RUNNER_TEMP, tmpdir()].filter((d): d is string => !!d);
  const opened = openLogFile(dirs);
  if ('error' in opened) {
    w.emit({
      kind: 'exit',
      atMs: w.at(),
      code: null,
      signal: null,
      source: `start command (not started: cannot create its log file: ${opened.error})`,
    });
    return { reader, stop: () => {}, logFile: undefined, pid: undefined };
  }
  const logFile = opened.path;
  let child;
  try {
    child = spawn('/bin/sh', ['-c', command], {
      detached: true,
      stdio: ['ignore', opened.fd, opened.fd],
      env: serverEnv(deps.env),
    });
  } catch (error) {
    closeSync(opened.fd);
    w.emit({
      kind: 'exit',
      atMs: w.at(),
      code: null,
      signal: null,
      source: `start command (not started: ${error instanceof Error ? error.message : String(error)})`,
    });
    return { reader, stop: () => {}, logFile, pid: undefined };
  }
  closeSync(opened.fd);
  const pid = child.pid;
  const tailer = tailFile(logFile, reader, 'start', deps.pollMs ?? FILE_POLL_MS);
  let groupTimer: NodeJS.Timeout | undefined;
  let hasEnded = false;
  const ended = (code: number | null, signal: string | null, source: string) => {
    // A spawn failure can raise both 'error' and 'exit'; the end is reported once.
    if (hasEnded) return;
    hasEnded = true;
    // Read what it wrote last before reporting the end: the cause is usually in its final lines.
    tailer.readNow();
    reader.flush();
    w.emit({ kind: 'exit', atMs: w.at(), code, signal, source });
  };
  child.on('error', (error) => {
    ended(null, null, `start command (${error.message})`);
  });
  child.on('exit', (code, signal) => {
    // `server &`, or a launcher that forks the server and returns 0: the shell is gone but the server is
    // not, and its group lives on (same id, unless it made its own), so watch the group instead. A shell
    // that failed ended the start, whatever it left behind (an engine process still shutting down).
    if (code !== 0 || pid === undefined || !groupAlive(pid)) {
      ended(code, signal, 'start command');
      return;
    }
    tailer.readNow();
    const members = groupMembers(pid);
    w.emit({
      kind: 'note',
      atMs: w.at(),
      text: text`The start command returned (exit code 0) but the processes it started keep running${members?.length ? text` (pid ${members.slice(0, 5).join(', ')})` : text``}; watching them.`,
    });
    groupTimer = setInterval(() => {
      if (groupAlive(pid)) return;
      clearInterval(groupTimer);
      ended(null, null, 'processes of the start command');
    }, deps.pollMs ?? FILE_POLL_MS);
    groupTimer.unref();
  });
  // The step must be able to end while the server keeps running.
  child.unref();
  return {
    reader,
    logFile,
    pid,
    stop: () => {
      tailer.stop();
      if (groupTimer) clearInterval(groupTimer);
    },
  };
}

/**
 * Polls a file for new bytes. Polling (not fs.watch) works the same on every file system a runner uses.
 * `tail`: an existing file is read from LOG_TAIL_BYTES before its end (a log-file from an earlier step);
 * `start`: from its beginning (our own, new, log).
 */
function tailFile(path: string, reader: LogReader, from: 'tail' | 'start', pollMs: number) {
  let offset: number | undefined = from === 'start' ? 0 : undefined;
  let decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(READ_CHUNK_BYTES);
  let seen = false;

  /** Moves to `to`; when that is not a line start, the reader drops the half line it lands in. */
  const jump = (fd: number, to: number) => {
    decoder = new StringDecoder('utf8');
    if (to > 0) {
      const before = Buffer.alloc(1);
      readSync(fd, before, 0, 1, to - 1);
      if (before[0] !== 0x0a) reader.skipToNextLine();
    }
    offset = to;
  };

  const readNow = () => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    try {
      seen = true;
      const size = fstatSync(fd).size;
      if (offset === undefined) jump(fd, Math.max(0, size - LOG_TAIL_BYTES));
      else if (size < offset) {
        // Truncated or replaced: start again from its beginning.
        reader.skipToNextLine();
        jump(fd, 0);
      } else if (size - offset > LOG_TAIL_BYTES) {
        // Bounded per look: a server printing faster than we read loses its middle, never its newest lines.
        jump(fd, size - LOG_TAIL_BYTES);
      }
      let at = offset!;
      while (at < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - at), at);
        if (n <= 0) break;
        at += n;
        reader.push(decoder.write(buffer.subarray(0, n)));
      }
      offset = at;
    } finally {
      closeSync(fd);
    }
  };
  readNow();
  const timer = setInterval(readNow, pollMs);
  timer.unref();
  return { readNow, exists: () => seen, stop: () => clearInterval(timer) };
}

interface DockerResult {
  /** Exit code; null when killed (timeout) or not started. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Per stream: output went past the byte bound and was cut (its last, partial, line is dropped). */
  truncated: { stdout: boolean; stderr: boolean };
  /** Set when the CLI could not be started at all (ENOENT: not installed). */
  spawnError?: string;
  timedOut: boolean;
}

/** One bounded docker CLI call: output capped at LOG_TAIL_BYTES per stream, time at DOCKER_CALL_TIMEOUT_MS. */
function runDocker(args: string[], env: Record<string, string | undefined>): Promise<DockerResult> {
  return new Promise((resolve) => {
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: { stdout: 0, stderr: 0 } };
    const truncated = { stdout: false, stderr: false };
    let timedOut = false;
    let done = false;
    const finish = (result: Omit<DockerResult, 'stdout' | 'stderr' | 'truncated' | 'timedOut'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({
        ...result,
        stdout: Buffer.concat(out.stdout).toString('utf8'),
        stderr: Buffer.concat(out.stderr).toString('utf8'),
        truncated,
        timedOut,
      });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('docker', args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      finish({ code: null, spawnError: (error as NodeJS.ErrnoException).code ?? 'ESPAWN' });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, DOCKER_CALL_TIMEOUT_MS);
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.on('data', (chunk: Buffer) => {
        const room = LOG_TAIL_BYTES - out.bytes[stream];
        if (room <= 0) return;
        if (chunk.length > room) {
          truncated[stream] = true;
          child.kill();
        }
        const kept = chunk.subarray(0, room);
        out[stream].push(kept);
        out.bytes[stream] += kept.length;
      });
    }
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish({ code: null, spawnError: error.code ?? 'ESPAWN' }),
    );
    child.on('close', (code) => finish({ code }));
  });
}

/** `docker inspect` output, the parts we read (Engine API ContainerInspectResponse). */
interface InspectedContainer {
  Name?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    Error?: string;
    Health?: { Status?: string } | null;
  };
}

/** `docker logs --timestamps` puts an RFC 3339 time, nanoseconds padded to 9 digits, before each line. */
const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/;

export function parseTimestampedLines(text: string, truncated: boolean): Array<{ ts: string; text: string }> {
  const lines = text.split('\n');
  // The last piece is empty after a final newline, or half a line when the output was cut.
  lines.pop();
  if (truncated) lines.pop();
  const out: Array<{ ts: string; text: string }> = [];
  for (const line of lines) {
    const m = TIMESTAMPED.exec(line);
    if (m) out.push({ ts: m[1]!, text: m[2]! });
    else if (out.length) out.push({ ts: out.at(-1)!.ts, text: line });
  }
  return out;
}

/**
 * `container`: state and log tail through the docker CLI rather than the Engine API socket. The CLI is on
 * every runner image and honours everything the user configured to reach the daemon (DOCKER_HOST, docker
 * contexts, TLS certificates), which a socket client of our own would have to re-implement.
 *
 * Logs are read with --timestamps: the first look takes the last LOG_RING_LINES lines, each later look only
 * those since the newest timestamp seen (--since is inclusive, so lines at exactly that time that were
 * already read are skipped), bounded by --tail. stdout and stderr are merged back in time order.
 */
function watchContainer(id: string, w: Watch) {
  const { deps } = w;
  const shortId = /^[0-9a-f]{64}$/i.test(id) ? id.slice(0, 12) : id;
  const source = `container ${shortId}`;
  const reader = new LogReader(source, w.kind, w.emit, w.ready, w.at);
  const env = deps.env;
  let stopped = false;
  let busy = false;
  let lastState = '';
  const notesShown = new Set<string>();
  let since: string | undefined;
  let linesAtSince = new Set<string>();
  let stateErrorRead = '';

  const noteOnce = (note: Text) => {
    const key = plainText(note);
    if (notesShown.has(key)) return;
    notesShown.add(key);
    w.emit({ kind: 'note', atMs: w.at(), text: note });
  };
  const firstLine = (output: string) => output.trim().split('\n')[0]?.trim() ?? '';
  const failure = (r: DockerResult, what: string) =>
    r.timedOut
      ? `docker ${what} gave no answer within ${DOCKER_CALL_TIMEOUT_MS / 1000} s`
      : firstLine(r.stderr) || `docker ${what} exited with code ${r.code}`;

  const readLogs = async () => {
    const args = ['logs', '--timestamps', '--tail', String(LOG_RING_LINES)];
    if (since) args.push('--since', since);
    // `--` ends the options: a container name can never be read as a docker flag.
    const r = await runDocker([...args, '--', id], env);
    if (r.code !== 0) {
      // e.g. a logging driver that cannot be read back ("configured logging driver does not support reading").
      noteOnce(text`cannot read the logs of container ${shortId}: ${failure(r, 'logs')}`);
      return;
    }
    const entries = [
      ...parseTimestampedLines(r.stdout, r.truncated.stdout),
      ...parseTimestampedLines(r.stderr, r.truncated.stderr),
    ].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    const fresh = entries.filter(
      (e) => since === undefined || e.ts > since || (e.ts === since && !linesAtSince.has(e.text)),
    );
    const newest = entries.at(-1)?.ts;
    if (newest !== undefined && (since === undefined || newest > since)) {
      since = newest;
      linesAtSince = new Set();
    }
    for (const e of entries) if (e.ts === since) linesAtSince.add(e.text);
    if (fresh.length) reader.push(fresh.map((e) => e.text).join('\n') + '\n');
  };

  const look = async () => {
    if (stopped || busy) return;
    busy = true;
    try {
      const inspect = await runDocker(['container', 'inspect', '--', id], env);
      if (inspect.spawnError) {
        noteOnce(
          inspect.spawnError === 'ENOENT'
            ? text`docker CLI not found on PATH: the state and logs of container ${shortId} cannot be read.`
            : text`cannot run the docker CLI (${inspect.spawnError}): the state and logs of container ${shortId} cannot be read.`,
        );
        stop();
        return;
      }
      if (inspect.code !== 0) {
        const said = failure(inspect, 'container inspect');
        if (/No such (container|object)/i.test(said)) {
          report({
            status: 'missing',
            exitCode: null,
            oomKilled: false,
            restartCount: 0,
            health: null,
            error: said,
          });
        } else {
          noteOnce(text`cannot read container ${shortId}: ${said}`);
        }
        return;
      }
      let state: InspectedContainer = {};
      try {
        const parsed: unknown = JSON.parse(inspect.stdout);
        state = ((Array.isArray(parsed) ? parsed[0] : parsed) ?? {}) as InspectedContainer;
      } catch {
        noteOnce(text`cannot read container ${shortId}: docker container inspect printed no JSON`);
        return;
      }
      // Logs before state: when the container has died its last lines hold the cause, and a line that names
      // it must be in the evidence before the state that ends the wait.
      await readLogs();
      const s = state.State ?? {};
      // The daemon's own start error (a bad command, a missing executable) is a log line of sorts.
      if (s.Error && s.Error !== stateErrorRead) {
        stateErrorRead = s.Error;
        reader.push(`${s.Error}\n`);
      }
      report({
        status: s.Status ?? 'unknown',
        exitCode: typeof s.ExitCode === 'number' ? s.ExitCode : null,
        oomKilled: s.OOMKilled === true,
        restartCount: typeof state.RestartCount === 'number' ? state.RestartCount : 0,
        health: s.Health?.Status ?? null,
        ...(s.Error ? { error: s.Error } : {}),
      });
    } finally {
      busy = false;
    }
  };

  const report = (state: Omit<Extract<Evidence, { kind: 'container' }>, 'kind' | 'atMs' | 'id'>) => {
    const key = JSON.stringify(state);
    if (key === lastState) return;
    lastState = key;
    const ev: Extract<Evidence, { kind: 'container' }> = {
      kind: 'container',
      atMs: w.at(),
      id: shortId,
      ...state,
    };
    if (state.error !== undefined) ev.error = state.error;
    w.emit(ev);
  };

  const timer = setInterval(() => void look(), deps.containerPollMs ?? CONTAINER_POLL_MS);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  void look();
  return { source, reader, stop };
}
