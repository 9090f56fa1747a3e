import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { ServerKind } from '../causes.js';
import { isContainerDead } from '../diagnose/explain/process.js';
import {
  containerState,
  inspectContainer,
  parseTimestampedLines,
  runDocker,
  type ContainerState,
} from '../evidence/container.js';
import { LogReader } from '../evidence/log-reader.js';
import { LOG_RING_LINES, LOG_TAIL_BYTES } from '../limits.js';
import { groupAlive } from '../process/process-group.js';
import type { Evidence } from '../types.js';
import type { GateSnapshot } from './gate-state.js';

/** What the sources show of the time after the gate, raw (the edge redacts). */
export interface AfterGateLook {
  /** What the log lines after the gate said, through the same LogReader as the wait, and how the server ended. */
  evidence: Evidence[];
  /** The server process or container is gone, or the container was restarted, since the gate. */
  ended?: 'died' | 'restarted';
  /** When that happened (or the last line was written), ms after the gate; undefined when nothing tells. */
  afterGateMs?: number;
  tails: Array<{ source: string; lines: string[] }>;
}

/** Bytes of a file from `fromBytes` to its end, at most LOG_TAIL_BYTES (the newest); from 0 when it shrank. */
export function readFrom(path: string, fromBytes: number): { text: string; fromMiddle: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: '', fromMiddle: false };
  }
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(size < fromBytes ? 0 : fromBytes, size - LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(size - from);
    readSync(fd, buffer, 0, buffer.length, from);
    return { text: buffer.toString('utf8'), fromMiddle: from > fromBytes };
  } finally {
    closeSync(fd);
  }
}

/** Looks at every source the main step watched, as it is now. Bounded: two docker calls at most. */
export async function lookAfterGate(
  snapshot: GateSnapshot,
  env: Record<string, string | undefined>,
): Promise<AfterGateLook> {
  const look: AfterGateLook = { evidence: [], tails: [] };
  const kind = snapshot.server === 'unknown' ? undefined : snapshot.server;
  const { started, logFile, container } = snapshot;
  if (started) {
    readLines(look, kind, 'server log', readFrom(started.logFile, started.offsetBytes));
    if (!groupAlive(started.pid)) {
      // No longer our child once the main step ended: its exit status is gone, its log and the time remain.
      look.evidence.push({ kind: 'exit', atMs: 0, code: null, signal: null, ended: 'shell' });
      markEnded(look, 'died', lastWriteAfterGate(started.logFile, snapshot));
    }
  }
  if (logFile) {
    readLines(look, kind, logFile.path, readFrom(logFile.path, logFile.offsetBytes));
    look.afterGateMs ??= lastWriteAfterGate(logFile.path, snapshot);
  }
  if (container) await lookAtContainer(look, kind, snapshot, container, env);
  return look;
}

function markEnded(look: AfterGateLook, ended: 'died' | 'restarted', afterGateMs: number | undefined) {
  look.ended ??= ended;
  if (afterGateMs !== undefined) look.afterGateMs = afterGateMs;
}

/** The lines through a LogReader of their own: its evidence and its tail, as during the wait. */
function readLines(
  look: AfterGateLook,
  kind: ServerKind | undefined,
  source: string,
  read: { text: string; fromMiddle: boolean },
): void {
  const reader = new LogReader(
    source,
    kind,
    (ev) => look.evidence.push(ev),
    () => {},
    () => 0,
  );
  if (read.fromMiddle) reader.skipToNextLine();
  reader.push(read.text);
  reader.flush();
  look.tails.push({ source, lines: reader.tail() });
}

function lastWriteAfterGate(path: string, snapshot: GateSnapshot): number | undefined {
  try {
    return Math.max(0, Math.round(statSync(path).mtimeMs - snapshot.readyAtEpochMs));
  } catch {
    return undefined;
  }
}

async function lookAtContainer(
  look: AfterGateLook,
  kind: ServerKind | undefined,
  snapshot: GateSnapshot,
  container: NonNullable<GateSnapshot['container']>,
  env: Record<string, string | undefined>,
): Promise<void> {
  const shortId = /^[0-9a-f]{64}$/i.test(container.id) ? container.id.slice(0, 12) : container.id;
  const source = `container ${shortId}`;
  const inspected = await inspectContainer(container.id, shortId, env);
  if (inspected.outcome === 'missing') {
    const state: ContainerState = {
      status: 'missing',
      exitCode: null,
      oomKilled: false,
      restartCount: 0,
      health: null,
    };
    look.evidence.push({ kind: 'container', atMs: 0, id: shortId, ...state, error: inspected.error });
    markEnded(look, 'died', undefined);
    return;
  }
  if (inspected.outcome !== 'found') return;
  const since = new Date(snapshot.readyAtEpochMs).toISOString();
  readLines(look, kind, source, {
    text: await containerLinesSince(container.id, since, env),
    fromMiddle: false,
  });
  const state = containerState(inspected.container);
  const { StartedAt, FinishedAt } = inspected.container.State ?? {};
  const afterGate = (iso: string | undefined) => {
    const at = iso ? Date.parse(iso) : NaN;
    return Number.isFinite(at) && at > snapshot.readyAtEpochMs
      ? Math.round(at - snapshot.readyAtEpochMs)
      : undefined;
  };
  const ev: Evidence = { kind: 'container', atMs: 0, id: shortId, ...state };
  if (isContainerDead(ev)) {
    look.evidence.push(ev);
    markEnded(look, 'died', afterGate(FinishedAt));
  } else if (state.restartCount > container.restartCount || afterGate(StartedAt) !== undefined) {
    look.evidence.push(ev);
    markEnded(look, 'restarted', afterGate(FinishedAt) ?? afterGate(StartedAt));
  }
}

/** `docker logs` since the gate, stdout and stderr merged back in time order. */
async function containerLinesSince(id: string, since: string, env: Record<string, string | undefined>) {
  const args = ['logs', '--timestamps', '--since', since, '--tail', String(LOG_RING_LINES), '--', id];
  const r = await runDocker(args, env);
  if (r.exitCode !== 0) return '';
  const entries = [...parseTimestampedLines(r.stdout), ...parseTimestampedLines(r.stderr)];
  entries.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return entries.map((e) => e.text + '\n').join('');
}
