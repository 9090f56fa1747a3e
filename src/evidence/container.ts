import { LOG_RING_LINES, LOG_TAIL_BYTES } from '../limits.js';
import { boundedExec, type BoundedExecResult } from '../process/bounded-exec.js';
import type { Evidence } from '../types.js';
import { plainText, text, type Text } from '../text.js';
import { LogReader } from './log-reader.js';
import type { Watch } from './watch.js';
import { streamDocker, type DockerStream } from './docker-stream.js';
import { takeUnread, TimeOrderedLines, type LogCursor } from './container-logs.js';

export { parseTimestampedLines } from './container-logs.js';

/**
 * Without `docker events` (an old or partial docker CLI), the container's state is looked at this often. Each
 * look runs the docker CLI (~30 ms of CPU), so once a second keeps it under a tenth of a core and still names
 * a dead container within a second or two.
 */
export const CONTAINER_POLL_MS = 1_000;
/** With `docker events`, a look this often only in case an event was missed: the events say what changed. */
export const CONTAINER_SAFETY_POLL_MS = 5_000;
/** One docker CLI call: a daemon that hangs must not hold up the evidence from the next look. */
export const DOCKER_CALL_TIMEOUT_MS = 5_000;
/** A stopped container's followed log ends a moment after the stop: its last lines hold the cause. */
const FOLLOW_END_WAIT_MS = 1_000;

export type ContainerState = Omit<Extract<Evidence, { kind: 'container' }>, 'kind' | 'atMs' | 'id'>;

/**
 * `container`: state and logs through the docker CLI rather than the Engine API socket. The CLI is on every
 * runner image and honours everything the user configured to reach the daemon (DOCKER_HOST, docker contexts,
 * TLS certificates), which a socket client of our own would have to re-implement. The log is followed
 * (`docker logs --follow`), so the server's ready line wakes the probe as a started server's does, and the
 * state is looked at when `docker events` says it changed (a die, a start, an OOM kill), not on a timer.
 */
export function watchContainer(id: string, w: Watch) {
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
  const watcher = new ContainerWatcher(id, shortId, w, reader, noteOnce);
  watcher.start();
  return { source, reader, stop: () => watcher.stop() };
}

/** The moving parts of one container's watch: the followed log, the event stream, the looks at its state. */
class ContainerWatcher {
  private readonly report: (state: ContainerState) => void;
  private readonly cursor: LogCursor = { linesAtSince: new Set() };
  private follower: DockerStream | undefined;
  private followFailed = false;
  private followed = false;
  private events: DockerStream | undefined;
  private eventsTried = false;
  private timer: NodeJS.Timeout | undefined;
  private stateErrorRead = '';
  private stopped = false;
  private busy = false;
  private lookAgain = false;

  constructor(
    private readonly id: string,
    private readonly shortId: string,
    private readonly w: Watch,
    private readonly reader: LogReader,
    private readonly noteOnce: (note: Text) => void,
  ) {
    this.report = stateChangeReporter(shortId, w);
  }

  start(): void {
    void this.look();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.follower?.stop();
    this.events?.stop();
  }

  /** One look at the state; looks asked for while one runs are folded into one more after it. */
  private async look(): Promise<void> {
    if (this.stopped) return;
    if (this.busy) {
      this.lookAgain = true;
      return;
    }
    this.busy = true;
    try {
      await this.lookOnce();
    } finally {
      this.busy = false;
      if (this.lookAgain && !this.stopped) {
        this.lookAgain = false;
        void this.look();
      } else this.schedule();
    }
  }

  private async lookOnce(): Promise<void> {
    const inspected = await inspectContainer(this.id, this.shortId, this.w.deps.env);
    if (this.stopped) return;
    if (inspected.outcome === 'missing') return this.report(missingState(inspected.error));
    if (inspected.outcome !== 'found') {
      this.noteOnce(inspected.note);
      if (inspected.outcome === 'no-cli') this.stop();
      return;
    }
    this.watchEvents();
    const state = containerState(inspected.container);
    // Followed from the first look (a stopped container's log is read whole and ends), then again each time
    // it runs: a follow that ended with a stopped container must not be restarted until it starts again.
    if (!this.follower && !this.followFailed && (state.status === 'running' || !this.followed)) this.follow();
    // Logs before state: when the container has died its last lines hold the cause, and a line that names
    // it must be in the evidence before the state that ends the wait.
    if (state.status !== 'running' && this.follower) await endedWithin(this.follower, FOLLOW_END_WAIT_MS);
    const startError = inspected.container.State?.Error;
    // The daemon's own start error (a bad command, a missing executable) is a log line of sorts.
    if (startError && startError !== this.stateErrorRead) {
      this.stateErrorRead = startError;
      this.reader.push(`${startError}\n`);
    }
    this.report(state);
  }

  /** The next look: soon without an event stream, rarely with one (only in case an event was missed). */
  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const fallbackMs = this.w.deps.containerPollMs ?? CONTAINER_POLL_MS;
    const everyMs = this.events ? Math.max(fallbackMs, CONTAINER_SAFETY_POLL_MS) : fallbackMs;
    this.timer = setTimeout(() => void this.look(), everyMs);
    this.timer.unref();
  }

  /**
   * `docker logs --follow`, from the last LOG_RING_LINES lines, or after a restart from the newest timestamp
   * read (lines at exactly it that were already read are skipped). It ends when the container stops.
   */
  private follow(): void {
    const args = ['logs', '--follow', '--timestamps', '--tail', String(LOG_RING_LINES)];
    if (this.cursor.since) args.push('--since', this.cursor.since);
    const resumedAt: LogCursor = { ...this.cursor, linesAtSince: new Set(this.cursor.linesAtSince) };
    const merge = new TimeOrderedLines((entries) => {
      const fresh = takeUnread(this.cursor, entries, resumedAt);
      if (fresh.length) this.reader.push(fresh.map((e) => e.text).join('\n') + '\n');
    });
    const follower = streamDocker([...args, '--', this.id], this.w.deps.env, (_stream, line) =>
      merge.add(line),
    );
    this.follower = follower;
    this.followed = true;
    void follower.ended.then((end) => {
      merge.flush();
      if (this.follower === follower) this.follower = undefined;
      if (this.stopped) return;
      // e.g. a logging driver that cannot be read back ("configured logging driver does not support reading").
      if (end.exitCode !== 0) {
        this.followFailed = true;
        const said = end.spawnError ?? (end.lastStderrLine || `docker logs exited with code ${end.exitCode}`);
        this.noteOnce(text`cannot read the logs of container ${this.shortId}: ${said}`);
      }
      // The container stopped (or restarts): its state now, not at the next look.
      void this.look();
    });
  }

  /** `docker events` for this container: each event (die, start, restart, oom, health) asks for a look. */
  private watchEvents(): void {
    if (this.eventsTried) return;
    this.eventsTried = true;
    const args = ['events', '--filter', `container=${this.id}`, '--filter', 'type=container'];
    const events = streamDocker([...args, '--format', '{{json .}}'], this.w.deps.env, (stream, line) => {
      if (stream === 'stdout' && line.trim()) void this.look();
    });
    this.events = events;
    // An event stream that ends (an old CLI, a daemon restart) leaves the looks on their short timer.
    void events.ended.then(() => {
      if (this.events === events) this.events = undefined;
      this.schedule();
    });
  }
}

/** Resolves when the stream has ended or after `ms`, whichever comes first. */
function endedWithin(stream: DockerStream, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([stream.ended, timeout]).finally(() => clearTimeout(timer));
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
