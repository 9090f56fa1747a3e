import { LOG_RING_LINES, LOG_TAIL_BYTES } from '../limits.js';
import { boundedExec, type BoundedExecResult } from '../process/bounded-exec.js';
import type { Evidence } from '../types.js';
import { plainText, text, type Text } from '../text.js';
import { LogReader } from './log-reader.js';
import type { Watch } from './watch.js';

/**
 * A container is looked at this often. Each look runs the docker CLI twice (~30 ms of CPU each), so once a
 * second keeps it under a tenth of a core and still names a dead container within a second or two.
 */
export const CONTAINER_POLL_MS = 1_000;
/** One docker CLI call: a daemon that hangs must not hold up the evidence from the next look. */
export const DOCKER_CALL_TIMEOUT_MS = 5_000;

export type ContainerState = Omit<Extract<Evidence, { kind: 'container' }>, 'kind' | 'atMs' | 'id'>;

/**
 * `container`: state and log tail through the docker CLI rather than the Engine API socket. The CLI is on
 * every runner image and honours everything the user configured to reach the daemon (DOCKER_HOST, docker
 * contexts, TLS certificates), which a socket client of our own would have to re-implement.
 */
export function watchContainer(id: string, w: Watch) {
  const { deps } = w;
  const shortId = /^[0-9a-f]{64}$/i.test(id) ? id.slice(0, 12) : id;
  const source = `container ${shortId}`;
  const reader = new LogReader(source, w.kind, w.emit, w.ready, w.at);
  const notesShown = new Set<string>();
  const noteOnce = (note: Text) => {
    const key = plainText(note);
    if (notesShown.has(key)) return;
    notesShown.add(key);
    w.emit({ kind: 'note', atMs: w.at(), text: note });
  };
  const report = stateChangeReporter(shortId, w);
  const cursor: LogCursor = { linesAtSince: new Set() };
  let stateErrorRead = '';
  let stopped = false;
  let busy = false;

  const look = async () => {
    if (stopped || busy) return;
    busy = true;
    try {
      const inspected = await inspectContainer(id, shortId, deps.env);
      if (inspected.outcome === 'missing') return report(missingState(inspected.error));
      if (inspected.outcome !== 'found') {
        noteOnce(inspected.note);
        if (inspected.outcome === 'no-cli') stop();
        return;
      }
      // Logs before state: when the container has died its last lines hold the cause, and a line that names
      // it must be in the evidence before the state that ends the wait.
      const logs = await readLogsSince(id, cursor, deps.env);
      if ('failure' in logs) noteOnce(text`cannot read the logs of container ${shortId}: ${logs.failure}`);
      else if (logs.lines.length) reader.push(logs.lines.join('\n') + '\n');
      const startError = inspected.container.State?.Error;
      // The daemon's own start error (a bad command, a missing executable) is a log line of sorts.
      if (startError && startError !== stateErrorRead) {
        stateErrorRead = startError;
        reader.push(`${startError}\n`);
      }
      report(containerState(inspected.container));
    } finally {
      busy = false;
    }
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

/** One bounded docker CLI call: output capped at LOG_TAIL_BYTES per stream, time at DOCKER_CALL_TIMEOUT_MS. */
export function runDocker(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<BoundedExecResult> {
  return boundedExec('docker', args, {
    timeoutMs: DOCKER_CALL_TIMEOUT_MS,
    maxBytesPerStream: LOG_TAIL_BYTES,
    env,
  });
}

/** Why a docker call failed, in one line. */
function dockerFailure(r: BoundedExecResult, what: string): string {
  if (r.timedOut) return `docker ${what} gave no answer within ${DOCKER_CALL_TIMEOUT_MS / 1000} s`;
  return r.stderr.trim().split('\n')[0]?.trim() || `docker ${what} exited with code ${r.exitCode}`;
}

// ── inspect ──────────────────────────────────────────────────────────────────────────────────────────────

/** `docker inspect` output, the parts we read (Engine API ContainerInspectResponse). */
export interface InspectedContainer {
  Name?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    Error?: string;
    Health?: { Status?: string } | null;
    /** RFC 3339; the post step reads them to tell when a container died or restarted after the gate. */
    StartedAt?: string;
    FinishedAt?: string;
  };
}

type Inspection =
  | { outcome: 'found'; container: InspectedContainer }
  | { outcome: 'missing'; error: string }
  /** No docker CLI to run: nothing more can be learned, ever. */
  | { outcome: 'no-cli'; note: Text }
  /** This look told nothing; the next may. */
  | { outcome: 'unreadable'; note: Text };

export async function inspectContainer(
  id: string,
  shortId: string,
  env: Record<string, string | undefined>,
): Promise<Inspection> {
  // `--` ends the options: a container name can never be read as a docker flag.
  const r = await runDocker(['container', 'inspect', '--', id], env);
  if (r.spawnError) {
    return {
      outcome: 'no-cli',
      note:
        r.spawnError === 'ENOENT'
          ? text`docker CLI not found on PATH: the state and logs of container ${shortId} cannot be read.`
          : text`cannot run the docker CLI (${r.spawnError}): the state and logs of container ${shortId} cannot be read.`,
    };
  }
  if (r.exitCode !== 0) {
    const said = dockerFailure(r, 'container inspect');
    return /No such (container|object)/i.test(said)
      ? { outcome: 'missing', error: said }
      : { outcome: 'unreadable', note: text`cannot read container ${shortId}: ${said}` };
  }
  try {
    const parsed: unknown = JSON.parse(r.stdout);
    return {
      outcome: 'found',
      container: ((Array.isArray(parsed) ? parsed[0] : parsed) ?? {}) as InspectedContainer,
    };
  } catch {
    return {
      outcome: 'unreadable',
      note: text`cannot read container ${shortId}: docker container inspect printed no JSON`,
    };
  }
}

export function containerState(container: InspectedContainer): ContainerState {
  const s = container.State ?? {};
  return {
    status: s.Status ?? 'unknown',
    exitCode: typeof s.ExitCode === 'number' ? s.ExitCode : null,
    oomKilled: s.OOMKilled === true,
    restartCount: typeof container.RestartCount === 'number' ? container.RestartCount : 0,
    health: s.Health?.Status ?? null,
    ...(s.Error ? { error: s.Error } : {}),
  };
}

function missingState(error: string): ContainerState {
  return { status: 'missing', exitCode: null, oomKilled: false, restartCount: 0, health: null, error };
}

// ── logs ─────────────────────────────────────────────────────────────────────────────────────────────────

/** How far the logs have been read: the newest timestamp seen, and the lines already read at exactly it. */
interface LogCursor {
  since?: string;
  linesAtSince: Set<string>;
}

/**
 * Logs are read with --timestamps: the first look takes the last LOG_RING_LINES lines, each later look only
 * those since the newest timestamp seen (--since is inclusive, so lines at exactly that time that were
 * already read are skipped), bounded by --tail. stdout and stderr are merged back in time order.
 */
async function readLogsSince(
  id: string,
  cursor: LogCursor,
  env: Record<string, string | undefined>,
): Promise<{ lines: string[] } | { failure: string }> {
  const args = ['logs', '--timestamps', '--tail', String(LOG_RING_LINES)];
  if (cursor.since) args.push('--since', cursor.since);
  const r = await runDocker([...args, '--', id], env);
  // e.g. a logging driver that cannot be read back ("configured logging driver does not support reading").
  if (r.exitCode !== 0) return { failure: dockerFailure(r, 'logs') };
  const entries = [...parseTimestampedLines(r.stdout), ...parseTimestampedLines(r.stderr)].sort((a, b) =>
    a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0,
  );
  return { lines: takeUnread(cursor, entries).map((e) => e.text) };
}

/** The entries (in time order) not read before; moves the cursor past them. */
function takeUnread(cursor: LogCursor, entries: Array<{ ts: string; text: string }>) {
  const { since } = cursor;
  const fresh = entries.filter(
    (e) => since === undefined || e.ts > since || (e.ts === since && !cursor.linesAtSince.has(e.text)),
  );
  const newest = entries.at(-1)?.ts;
  if (newest !== undefined && (since === undefined || newest > since)) {
    cursor.since = newest;
    cursor.linesAtSince = new Set();
  }
  for (const e of entries) if (e.ts === cursor.since) cursor.linesAtSince.add(e.text);
  return fresh;
}

/** `docker logs --timestamps` puts an RFC 3339 time, nanoseconds padded to 9 digits, before each line. */
const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/;

export function parseTimestampedLines(text: string): Array<{ ts: string; text: string }> {
  const lines = text.split('\n');
  // The last piece is empty after a final newline, or half a line from a CLI that ended without one (a
  // stream cut at its bound already ends at a whole line: boundedExec drops the half).
  lines.pop();
  const out: Array<{ ts: string; text: string }> = [];
  for (const line of lines) {
    const m = TIMESTAMPED.exec(line);
    if (m) out.push({ ts: m[1]!, text: m[2]! });
    else if (out.length) out.push({ ts: out.at(-1)!.ts, text: line });
  }
  return out;
}

// ── state ────────────────────────────────────────────────────────────────────────────────────────────────

/** Emits the container's state when it differs from the last one emitted. */
function stateChangeReporter(shortId: string, w: Watch): (state: ContainerState) => void {
  let lastState = '';
  return (state) => {
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
}
