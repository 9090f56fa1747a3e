import { formatDuration } from '../config/duration.js';
import { LOG_LINES_QUOTED } from '../limits.js';
import { describe, endpointNotes, formatAt, timelineRows, type TimelineRow } from './describe.js';
import { cellCode, code, escapeMarkdown, fencedLine, htmlText } from './markdown-text.js';
import type { ShownResult } from './present.js';
import type { StartupProfile } from '../servers/phases.js';

// The job summary's parts. Each section is a list of lines that starts with a blank one, and closes every
// code fence and <details> it opens, so the summary can leave out any section whole.

type ShownEndpoint = ShownResult['endpoints'][number];
type ShownFinding = NonNullable<ShownResult['finding']>;
type Section = string[];

/** The verdict: ready or not, and when not, what is wrong and how to fix it. */
export function verdictHead(result: ShownResult): string[] {
  const head: string[] = [];
  if (result.demo)
    head.push('> [!NOTE]\n> This is a demo run of llm-preflight against a demo server it started itself.\n');
  if (result.ready) {
    head.push(`## ✅ LLM server ready in ${formatDuration(result.elapsedMs)}`);
    return head;
  }
  const f = result.finding;
  head.push(`## ❌ LLM server not ready: \`${f?.cause ?? 'unknown'}\``);
  if (f) {
    head.push(
      '',
      `**What is wrong:** ${escapeMarkdown(f.summary)}`,
      '',
      `**How to fix it:** ${escapeMarkdown(f.hint)}`,
    );
  }
  return head;
}

export function endpointTable(endpoints: readonly ShownEndpoint[]): string[] {
  return [
    '',
    '| endpoint | ready | server | version | models | elapsed |',
    '|---|---|---|---|---|---|',
    ...endpoints.map(endpointRow),
  ];
}

function endpointRow(e: ShownEndpoint): string {
  const models = e.models.length
    ? cellCode(e.models.slice(0, 5).join(', ') + (e.models.length > 5 ? ` … (${e.models.length})` : ''))
    : '—';
  return `| ${cellCode(e.baseUrl)} | ${e.ready ? '✅' : `❌ \`${e.finding?.cause ?? ''}\``} | ${e.server} | ${e.serverVersion ? cellCode(e.serverVersion) : '—'} | ${models} | ${formatDuration(e.elapsedMs)} |`;
}

export function warningSection(warning: string): Section {
  return ['', `> [!WARNING]\n> ${escapeMarkdown(warning)}`];
}

/** The smoke requests that answered, with their timings; none when no smoke request answered. */
export function smokeSection(e: ShownEndpoint): Section | undefined {
  const smoke = e.smoke.filter((s) => s.ok);
  if (!smoke.length) return undefined;
  const timings = smoke.map(
    (s) =>
      `${code(s.model)}: ${s.ttftMs !== undefined ? `first token ${s.ttftMs} ms, ` : ''}total ${s.totalMs} ms`,
  );
  return ['', '**Smoke test:** ' + timings.join('; ')];
}

/** What `pull` and `deep` did (endpointNotes), in one paragraph. */
export function notesSection(e: ShownEndpoint): Section | undefined {
  const notes = endpointNotes(e);
  return notes.length ? ['', notes.map(escapeMarkdown).join(' ')] : undefined;
}

export function evidenceSection(finding: ShownFinding | undefined): Section | undefined {
  if (!finding?.evidence.length) return undefined;
  const items = finding.evidence.map((ev) => {
    const { what, result } = describe(ev);
    return `- ${formatAt(ev.atMs)} · ${escapeMarkdown(what)}: ${code(result)}`;
  });
  return ['', '<details open><summary>Evidence</summary>', '', ...items, '', '</details>'];
}

/** One endpoint's timeline as a table, open when the run failed (that is where the reader looks next). */
export function timelineSection(e: ShownEndpoint, ready: boolean): Section | undefined {
  const rows = timelineRows(e.timeline);
  if (!rows.length) return undefined;
  return [
    '',
    `<details${ready ? '' : ' open'}><summary>Timeline for ${htmlText(e.baseUrl)}</summary>`,
    '',
    '| time | check | result |',
    '|---|---|---|',
    ...rows.map(timelineTableRow),
    '',
    '</details>',
  ];
}

function timelineTableRow(row: TimelineRow): string {
  const time = row.count > 1 ? `${formatAt(row.fromMs)} – ${formatAt(row.toMs)}` : formatAt(row.fromMs);
  return `| ${time} | ${escapeMarkdown(row.what)} | ${cellCode(row.result)}${row.count > 1 ? ` ×${row.count}` : ''} |`;
}

export function logTailSection(tail: { source: string; lines: string[] }): Section | undefined {
  if (!tail.lines.length) return undefined;
  return [
    '',
    `<details><summary>Last lines of ${htmlText(tail.source)}</summary>`,
    '',
    '```text',
    ...tail.lines.slice(-LOG_LINES_QUOTED).map(fencedLine),
    '```',
    '',
    '</details>',
  ];
}

export function logFileSection(logFile: string | undefined): Section | undefined {
  return logFile ? ['', `Server log: ${code(logFile)}`] : undefined;
}

/** Where the start-up time went (servers/phases.ts), with the fix for each phase a cache can remove. */
export function startupSection(profile: StartupProfile | undefined): Section | undefined {
  if (!profile) return undefined;
  const share = (ms: number) => `${Math.round((ms / Math.max(1, profile.basisMs)) * 100)}%`;
  const basis =
    profile.basisMs > profile.waitMs
      ? `${formatDuration(profile.basisMs)} by the server's own count; it was starting before this step, which waited ${formatDuration(profile.waitMs)}`
      : `${formatDuration(profile.waitMs)} to ready`;
  const rows = profile.rows.map(
    (r) =>
      `| ${r.label} | ${formatDuration(r.ms)}${r.measured === 'our-clock' ? ' (from its log lines)' : ''} | ${share(r.ms)} |`,
  );
  const avoidable = profile.rows.filter((r) => r.avoid !== undefined && r.ms > 0);
  return [
    '',
    `**Where the start-up time went** (${basis}):`,
    '',
    '| phase | time | share of the wait |',
    '|---|---|---|',
    ...rows,
    `| other (process start, imports, HTTP server, checks) | ${formatDuration(profile.otherMs)} | ${share(profile.otherMs)} |`,
    ...(avoidable.length
      ? ['', ...avoidable.map((r) => `- **${r.label}:** ${escapeMarkdown(r.avoid!)}`)]
      : []),
  ];
}

/** What the post step found of a server that died or restarted after the gate, as it leaves the process. */
export interface ShownAfterGate {
  cause: string;
  /** "The server died 3 min after the gate: out-of-memory — torch.OutOfMemoryError: …" */
  headline: string;
  when?: string;
  decisive?: { source: string; line: string };
  hint: string;
  tails: Array<{ source: string; lines: string[] }>;
}

/** The post step's own summary: when, the line that decides, the fix, and the last lines after the gate. */
export function afterGateSection(shown: ShownAfterGate): Section {
  return [
    `## ❌ After the gate: \`${shown.cause}\``,
    '',
    `**What happened:** ${escapeMarkdown(shown.headline)}`,
    '',
    `**When:** ${shown.when ? `${shown.when} after the gate passed` : 'after the gate passed (no source tells the time)'}, while the job's later steps ran.`,
    ...(shown.decisive
      ? ['', `**Decisive line** (${escapeMarkdown(shown.decisive.source)}): ${code(shown.decisive.line)}`]
      : []),
    '',
    `**How to fix it:** ${escapeMarkdown(shown.hint)}`,
    ...shown.tails.flatMap((t) => logTailSection(t) ?? []),
  ];
}
