import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupAlive, groupMembers } from '../process/process-group.js';
import {
  defaultShell,
  shellInvocation,
  thisHost,
  type ShellInvocation,
  type ShellName,
} from '../process/shell.js';
import { FILE_POLL_MS, tailFile, type FileTail } from './file-tail.js';
import { findLeftBehind, watchLeftBehind } from './left-behind.js';
import { LogReader } from './log-reader.js';
import { text } from '../text.js';
import type { Evidence } from '../types.js';
import type { Watch } from './watch.js';

export interface StartedCommand {
  reader: LogReader;
  /** Where its output goes; undefined when the file could not be created. */
  logFile: string | undefined;
  /** The shell's pid, which is also its process group id; undefined when it did not start. */
  pid: number | undefined;
  /** Stops watching; the server keeps running. */
  stop: () => void;
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

/**
 * `start`: the command runs as a `run:` step would (bash -e where there is bash, `shell` to choose), detached
 * in its own process group with its output in a log file, so it outlives this step (unref'd; the post step
 * stops the group) and can be stopped as a whole.
 */
export function startCommand(command: string, w: Watch, shell?: ShellName): StartedCommand {
  const { deps } = w;
  const reader = new LogReader('server log', w.kind, w.emit, w.ready, w.at);
  /** `why` is the system's own words (raw: the edge redacts it). */
  const notStarted = (why: string, logFile?: string): StartedCommand => {
    w.emit({ kind: 'exit', atMs: w.at(), code: null, signal: null, ended: 'not-started', reason: why });
    return { reader, stop: () => {}, logFile, pid: undefined };
  };
  const dirs = [deps.tempDir ?? deps.env.RUNNER_TEMP, tmpdir()].filter((d): d is string => !!d);
  const opened = openLogFile(dirs);
  if ('error' in opened) return notStarted(`cannot create its log file: ${opened.error}`);
  const logFile = opened.path;
  const host = thisHost(deps.env);
  const shellName = shell ?? defaultShell(host);
  const invocation = shellInvocation(shellName, command, host);
  if (!invocation) {
    closeSync(opened.fd);
    return notStarted(`the shell ${shellName} is not on PATH`, logFile);
  }
  const spawned = spawnDetached(invocation, opened.fd, serverEnv(deps.env));
  if ('error' in spawned) return notStarted(spawned.error, logFile);
  const { child } = spawned;
  const tailer = tailFile(logFile, reader, 'start', deps.pollMs ?? FILE_POLL_MS);
  const stopGroupWatch = watchShellEnd(child, w, tailer, reader, { command, logFile });
  // The step must be able to end while the server keeps running.
  child.unref();
  return {
    reader,
    logFile,
    pid: child.pid,
    stop: () => {
      // What it wrote up to now is read (and echoed) before we stop: the post step starts after it.
      tailer.readNow();
      tailer.stop();
      stopGroupWatch();
    },
  };
}

/** A new log file in the first of `dirs` that takes one. */
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
 * The shell running the command, in a process group of its own, writing to `logFd`. Closes `logFd` either
 * way: the child holds its own copy.
 */
function spawnDetached(
  shell: ShellInvocation,
  logFd: number,
  env: Record<string, string>,
): { child: ChildProcess } | { error: string } {
  try {
    return {
      child: spawn(shell.file, shell.args, {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env,
        windowsHide: true,
        windowsVerbatimArguments: shell.windowsVerbatimArguments,
      }),
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    closeSync(logFd);
  }
}

/**
 * Reports the end of the start, once: when the shell fails, or, when it returns 0 leaving processes behind,
 * when those are gone. Returns what stops the watch on those processes.
 */
function watchShellEnd(
  child: ChildProcess,
  w: Watch,
  tailer: FileTail,
  reader: LogReader,
  started: { command: string; logFile: string },
): () => void {
  const pid = child.pid;
  let stopGroupWatch = () => {};
  let watchStopped = false;
  const ended = reportEndOnce(w, tailer, reader);
  child.on('error', (error) => {
    ended('not-started', null, null, error.message);
  });
  child.on('exit', (code, signal) => {
    // `server &`, or a launcher that forks the server and returns 0: the shell is gone but the server is
    // not, and its group lives on (same id, unless it made its own), so watch the group instead. A shell
    // that failed ended the start, whatever it left behind (an engine process still shutting down).
    if (code !== 0 || pid === undefined) {
      ended('shell', code, signal);
      return;
    }
    // Once the group is empty, the server may still run outside it (setsid, a daemon, `docker run -d`).
    const onceGroupEmpty = (end: 'shell' | 'group', endCode: number | null) => {
      tailer.readNow();
      void findLeftBehind(started.command, pid, started.logFile, reader.tail()).then((left) => {
        if (!left) return ended(end, endCode, end === 'shell' ? signal : null);
        // Told even when the watch has stopped: the post step must stop what was left behind.
        w.deps.onLeftBehind?.(left);
        if (!watchStopped) stopGroupWatch = watchLeftBehind(left, w, () => ended('group', null, null));
      });
    };
    if (groupAlive(pid)) {
      stopGroupWatch = watchGroupAfterShell(pid, w, tailer, () => onceGroupEmpty('group', null));
      return;
    }
    onceGroupEmpty('shell', code);
  });
  return () => {
    watchStopped = true;
    stopGroupWatch();
  };
}

type EndKind = Extract<Evidence, { kind: 'exit' }>['ended'];

/** Reports the start's end once: a spawn failure can raise both 'error' and 'exit'. */
function reportEndOnce(
  w: Watch,
  tailer: FileTail,
  reader: LogReader,
): (end: EndKind, code: number | null, signal: string | null, reason?: string) => void {
  let hasEnded = false;
  return (end, code, signal, reason) => {
    if (hasEnded) return;
    hasEnded = true;
    // Read what it wrote last before reporting the end: the cause is usually in its final lines.
    tailer.readNow();
    reader.flush();
    w.emit({
      kind: 'exit',
      atMs: w.at(),
      code,
      signal,
      ended: end,
      ...(reason !== undefined ? { reason } : {}),
    });
  };
}

/** The shell returned 0 but its process group lives on: says so, and calls `onGone` once it is gone. */
function watchGroupAfterShell(pgid: number, w: Watch, tailer: FileTail, onGone: () => void): () => void {
  tailer.readNow();
  const members = groupMembers(pgid);
  w.emit({
    kind: 'note',
    atMs: w.at(),
    text: text`The start command returned (exit code 0) but the processes it started keep running${members?.length ? text` (pid ${members.slice(0, 5).join(', ')})` : text``}; watching them.`,
  });
  const timer = setInterval(() => {
    if (groupAlive(pgid)) return;
    clearInterval(timer);
    onGone();
  }, w.deps.pollMs ?? FILE_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
