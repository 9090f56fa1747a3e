import { formatDuration } from '../config/duration.js';
import { HEARTBEAT_MS } from '../limits.js';
import { describe, formatAt } from './describe.js';
import type { ShownEvidence } from './present.js';

type ShownAttempt = Extract<ShownEvidence, { kind: 'attempt' }>;

/**
 * Turns the stream of evidence into lines worth printing: one when the outcome changes, not one per attempt,
 * so a ten-minute wait prints a handful of lines rather than thousands; and, when nothing changed for
 * HEARTBEAT_MS, one line saying the wait goes on and how much of it is left, so a long load never looks hung.
 */
export class ProgressLines {
  private last = new Map<string, string>();
  /** Per endpoint, when (run time) its last line was printed. */
  private lastPrintedAtMs = new Map<string, number>();

  /** `evidence` as it leaves the process (present.ts): the line is printed as it is. */
  next(endpoint: string, evidence: ShownEvidence, timeoutMs?: number): string | undefined {
    const { what, result } = describe(evidence);
    const key = endpoint + ' ' + what;
    const state = result.replace(/\d+(\.\d+)? ?m?s\b/g, '');
    if (this.last.get(key) !== state) {
      this.last.set(key, state);
      return this.printed(endpoint, evidence.atMs, `[${formatAt(evidence.atMs)}] ${what}: ${result}`);
    }
    const quietForMs = evidence.atMs - (this.lastPrintedAtMs.get(endpoint) ?? 0);
    if (evidence.kind !== 'attempt' || quietForMs < HEARTBEAT_MS) return undefined;
    return this.printed(endpoint, evidence.atMs, heartbeatLine(evidence, what, result, timeoutMs));
  }

  private printed(endpoint: string, atMs: number, line: string): string {
    this.lastPrintedAtMs.set(endpoint, atMs);
    return line;
  }
}

/** "[45.0 s] still loading: GET /v1/models: HTTP 503 … — 45 s of 10 min". */
function heartbeatLine(attempt: ShownAttempt, what: string, result: string, timeoutMs?: number): string {
  const waited = formatDuration(attempt.atMs);
  const of = timeoutMs === undefined ? '' : ` of ${formatDuration(timeoutMs)}`;
  return `[${formatAt(attempt.atMs)}] still ${waitState(attempt)}: ${what}: ${result} — ${waited}${of}`;
}

/** The wait's state in a word, from the latest attempt. */
function waitState(attempt: ShownAttempt): string {
  const r = attempt.result;
  if (r.kind === 'error') return r.code === 'ECONNREFUSED' ? 'not listening' : 'no answer';
  return r.status === 503 ? 'loading' : 'not ready';
}
