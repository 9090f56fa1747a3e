import { formatDuration } from '../config/duration.js';
import { TERMINAL_LINES_QUOTED } from '../limits.js';
import { endpointNotes, formatAt, timelineRows } from './describe.js';
import type { ShownExtras, ShownResult } from './present.js';

// The report a finished run prints in a terminal, as lines already presented at the edge (present.ts); the
// reporter prints each as one inert line.

type ShownEndpoint = ShownResult['endpoints'][number];

/** Each ready endpoint with its models, smoke timings and notes; then warnings and, unless quiet, timelines. */
export function readyReport(result: ShownResult, quiet: boolean): string[] {
  return [
    ...result.endpoints.flatMap(readyEndpointLines),
    ...warningLines(result.warnings),
    ...(quiet ? [] : timelineLines(result)),
  ];
}

function readyEndpointLines(e: ShownEndpoint): string[] {
  return [
    `✔ ready: ${e.baseUrl} (${e.server}${e.serverVersion ? ' ' + e.serverVersion : ''}) in ${formatDuration(e.elapsedMs)}; models: ${e.models.slice(0, 10).join(', ') || '—'}`,
    ...e.smoke.map(
      (s) =>
        `  smoke ${s.model}: ${s.ttftMs !== undefined ? `first token ${s.ttftMs} ms, ` : ''}total ${s.totalMs} ms`,
    ),
    ...endpointNotes(e).map((note) => `  ${note}`),
  ];
}

/** The cause, what is wrong and the fix, warnings; unless quiet, the timeline and the logs' last lines. */
export function notReadyReport(result: ShownResult, extras: ShownExtras, quiet: boolean): string[] {
  const f = result.finding;
  const lines = [`✘ not ready: ${f?.cause ?? 'unknown'}`];
  if (f) lines.push(`  ${f.summary}`, `  fix: ${f.hint}`);
  lines.push(...warningLines(result.warnings));
  if (quiet) return lines;
  lines.push(...timelineLines(result), ...logTailLines(extras.tails));
  if (extras.logFile) lines.push(`  server log: ${extras.logFile}`);
  return lines;
}

function warningLines(warnings: readonly string[]): string[] {
  return warnings.map((w) => `! ${w}`);
}

function timelineLines(result: ShownResult): string[] {
  return result.endpoints.flatMap((e) => [
    `  timeline for ${e.baseUrl}:`,
    ...timelineRows(e.timeline)
      .slice(-TERMINAL_LINES_QUOTED)
      .map(
        (row) =>
          `    ${formatAt(row.fromMs)}${row.count > 1 ? `–${formatAt(row.toMs)} ×${row.count}` : ''}  ${row.what}: ${row.result}`,
      ),
  ]);
}

function logTailLines(tails: ShownExtras['tails']): string[] {
  return tails
    .filter((tail) => tail.lines.length)
    .flatMap((tail) => [
      `  last lines of ${tail.source}:`,
      ...tail.lines.slice(-TERMINAL_LINES_QUOTED).map((line) => `    │ ${line}`),
    ]);
}
