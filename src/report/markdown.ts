import { formatDuration } from '../config/duration.js';
import type { PreflightResult } from '../types.js';
import { LOG_LINES_QUOTED, SUMMARY_MAX_BYTES, TIMELINE_MAX_ROWS } from '../limits.js';
import { describePullFailure, formatBytes } from '../servers/ollama-pull.js';
import type { Redactor } from '../redact.js';
import { oneLine, plainText } from '../text.js';
import {
  presentExtras,
  presentResult,
  type ShownEvidence,
  type ShownExtras,
  type ShownResult,
} from './present.js';

/**
 * Text from servers and users goes into Markdown as text, never as markup: no links, no HTML, no table breaks,
 * no entities of its own. Autolinks are broken with entities where GitHub would make one: scheme://, www.
 * and e-mail addresses; so a URL a server sends shows as text, never as a link to click.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ')
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/\b(www)\./gi, '$1&#46;')
    .replace(/@/g, '&#64;');
}

/** For text inside our own HTML (a `<summary>` title), where Markdown escapes would show as backslashes. */
export function htmlText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r?\n/g, ' ')
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/\b(www)\./gi, '$1&#46;')
    .replace(/@/g, '&#64;');
}

/**
 * A code span that nothing inside can close: the fence is one backtick longer than the longest run of
 * backticks in the text (a server could otherwise end the span and write Markdown of its own).
 */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longestRun = (flat.match(/`+/g) ?? []).reduce((most, run) => Math.max(most, run.length), 0);
  const ticks = '`'.repeat(longestRun + 1);
  return `${ticks} ${flat.replace(/\|/g, '\\|')} ${ticks}`;
}

export interface TimelineRow {
  fromMs: number;
  toMs: number;
  count: number;
  what: string;
  result: string;
}

/** Folds repeated identical outcomes into one row ("refused ×412 from 0.1 s to 41.2 s"). */
export function timelineRows(timeline: readonly ShownEvidence[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const ev of timeline) {
    const { what, result } = describe(ev);
    const last = rows.at(-1);
    if (last && last.what === what && last.result === result) {
      last.count++;
      last.toMs = ev.atMs;
    } else {
      rows.push({ fromMs: ev.atMs, toMs: ev.atMs, count: 1, what, result });
    }
  }
  if (rows.length <= TIMELINE_MAX_ROWS) return rows;
  const head = rows.slice(0, TIMELINE_MAX_ROWS / 2);
  const tail = rows.slice(-TIMELINE_MAX_ROWS / 2);
  const skipped = rows.length - head.length - tail.length;
  return [
    ...head,
    {
      fromMs: head.at(-1)!.toMs,
      toMs: tail[0]!.fromMs,
      count: skipped,
      what: '…',
      result: `${skipped} rows folded`,
    },
    ...tail,
  ];
}

export function describe(ev: ShownEvidence): { what: string; result: string } {
  switch (ev.kind) {
    case 'attempt': {
      const path = safePath(ev.url);
      const r = ev.result;
      const what = `${ev.method} ${path}`;
      if (r.kind === 'error') return { what, result: `${r.code}${r.viaProxy ? ' via proxy' : ''}` };
      const body = r.body.trim() ? ` ${oneLine(r.body, 60)}` : '';
      return { what, result: `HTTP ${r.status}${ev.problem ? ` (${ev.problem})` : body}` };
    }
    case 'log':
      return { what: ev.source, result: oneLine(ev.line, 120) };
    case 'exit':
      return {
        what: ev.ended === 'group' ? 'processes of the start command' : 'start command',
        result:
          ev.ended === 'not-started'
            ? `not started: ${oneLine(ev.reason ?? '', 120)}`
            : ev.signal
              ? `killed by ${ev.signal}`
              : ev.code === null
                ? 'exited (status unknown)'
                : `exited with code ${ev.code}`,
      };
    case 'container':
      return {
        what: `container ${ev.id.slice(0, 12)}`,
        result: `${ev.status}${ev.exitCode !== null && ev.status !== 'running' ? ` (exit ${ev.exitCode})` : ''}${ev.oomKilled ? ', OOMKilled' : ''}${ev.health ? `, health ${ev.health}` : ''}${ev.restartCount ? `, ${ev.restartCount} restarts` : ''}`,
      };
    case 'models':
      return {
        what: 'model list',
        result: `${ev.served.length} model(s): ${oneLine(ev.served.slice(0, 5).join(', '), 100)}`,
      };
    case 'backend':
      return {
        what: `backend ${ev.model}`,
        result: ev.healthy ? 'healthy' : `unhealthy: ${oneLine(ev.error ?? '', 100)}`,
      };
    case 'pull': {
      const what = `pull ${ev.model}`;
      // Its values were redacted on the way out (present.ts); the sentence around them is ours.
      if (ev.failure !== undefined)
        return { what, result: `failed: ${oneLine(plainText(describePullFailure(ev.failure, ev)), 120)}` };
      if (ev.percent === undefined) return { what, result: oneLine(ev.status, 80) };
      const phase = ev.status.startsWith('pulling ') ? '' : ` (${oneLine(ev.status, 40)})`;
      return { what, result: `${ev.percent}% of ${formatBytes(ev.totalBytes ?? 0)}${phase}` };
    }
    case 'note':
      return { what: 'note', result: oneLine(ev.text, 140) };
    case 'cancelled':
      return { what: 'cancelled', result: ev.signal };
  }
}

/** What `pull` and `deep` did for an endpoint, in a sentence each: the timeline has the details. */
export function endpointNotes(e: ShownResult['endpoints'][number]): string[] {
  const notes: string[] = [];
  for (const ev of e.timeline) {
    if (ev.kind === 'pull' && ev.status === 'success')
      notes.push(`Pulled ${ev.model}${ev.totalBytes ? ` (${formatBytes(ev.totalBytes)})` : ''}.`);
  }
  const backends = e.timeline.filter((ev) => ev.kind === 'backend');
  if (backends.length) {
    const healthy = backends.filter((b) => b.kind === 'backend' && b.healthy).length;
    notes.push(`Backends: ${healthy} of ${backends.length} healthy (the proxy's /health).`);
  }
  return notes;
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

export function formatAt(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export interface SummaryExtras {
  tails: Array<{ source: string; lines: string[] }>;
  logFile?: string;
  /** Export OPENAI_BASE_URL / OPENAI_API_BASE for later steps on success. */
  exportEnv?: boolean;
}

/**
 * The job summary. Pure: the Actions reporter writes it, tests read it. Built from sections so that, over the
 * size bound, whole sections are left out (last ones first) and no code fence or <details> is left open.
 */
export function renderSummary(result: ShownResult, extras: ShownExtras): string {
  const head: string[] = [];
  if (result.demo)
    head.push('> [!NOTE]\n> This is a demo run of llm-preflight against a demo server it started itself.\n');
  if (result.ready) {
    head.push(`## ✅ LLM server ready in ${formatDuration(result.elapsedMs)}`);
  } else {
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
  }
  head.push('');
  head.push('| endpoint | ready | server | version | models | elapsed |', '|---|---|---|---|---|---|');
  for (const e of result.endpoints) head.push(endpointRow(e));

  const sections: string[][] = [];
  for (const warning of result.warnings) sections.push(['', `> [!WARNING]\n> ${escapeMarkdown(warning)}`]);
  for (const e of result.endpoints) {
    const smoke = e.smoke.filter((s) => s.ok);
    if (smoke.length) {
      sections.push([
        '',
        '**Smoke test:** ' +
          smoke
            .map(
              (s) =>
                `${code(s.model)}: ${s.ttftMs !== undefined ? `first token ${s.ttftMs} ms, ` : ''}total ${s.totalMs} ms`,
            )
            .join('; '),
      ]);
    }
    const notes = endpointNotes(e);
    if (notes.length) sections.push(['', notes.map(escapeMarkdown).join(' ')]);
  }
  if (result.finding && result.finding.evidence.length) {
    const lines = ['', '<details open><summary>Evidence</summary>', ''];
    for (const ev of result.finding.evidence) {
      const { what, result: r } = describe(ev);
      lines.push(`- ${formatAt(ev.atMs)} · ${escapeMarkdown(what)}: ${code(r)}`);
    }
    lines.push('', '</details>');
    sections.push(lines);
  }
  for (const e of result.endpoints) {
    const rows = timelineRows(e.timeline);
    if (!rows.length) continue;
    const lines = [
      '',
      `<details${result.ready ? '' : ' open'}><summary>Timeline for ${htmlText(e.baseUrl)}</summary>`,
      '',
      '| time | check | result |',
      '|---|---|---|',
    ];
    for (const row of rows) {
      const time = row.count > 1 ? `${formatAt(row.fromMs)} – ${formatAt(row.toMs)}` : formatAt(row.fromMs);
      lines.push(
        `| ${time} | ${escapeMarkdown(row.what)} | ${code(row.result)}${row.count > 1 ? ` ×${row.count}` : ''} |`,
      );
    }
    lines.push('', '</details>');
    sections.push(lines);
  }
  for (const tail of extras.tails) {
    if (!tail.lines.length) continue;
    sections.push([
      '',
      `<details><summary>Last lines of ${htmlText(tail.source)}</summary>`,
      '',
      '```text',
      // A log line must not close the fence: break every run of three backticks.
      ...tail.lines.slice(-LOG_LINES_QUOTED).map((l) => l.replace(/```/g, "'''")),
      '```',
      '',
      '</details>',
    ]);
  }
  if (extras.logFile) sections.push(['', `Server log: ${code(extras.logFile)}`]);

  let text = head.join('\n');
  let left = 0;
  for (const section of sections) {
    const piece = '\n' + section.join('\n');
    if (Buffer.byteLength(text) + Buffer.byteLength(piece) + SUMMARY_CUT_NOTE_BYTES > SUMMARY_MAX_BYTES)
      left++;
    else text += piece;
  }
  if (left > 0) text += `\n\n${SUMMARY_CUT_NOTE} (${left} section${left === 1 ? '' : 's'} left out)`;
  // The head alone is over the bound only with thousands of endpoints: cut it at a line.
  if (Buffer.byteLength(text) > SUMMARY_MAX_BYTES) {
    let kept = '';
    for (const line of text.split('\n')) {
      if (Buffer.byteLength(kept) + Buffer.byteLength(line) + SUMMARY_CUT_NOTE_BYTES > SUMMARY_MAX_BYTES)
        break;
      kept += line + '\n';
    }
    text = `${kept}\n${SUMMARY_CUT_NOTE}`;
  }
  return text + '\n';
}

/** The summary as the Actions reporter writes it: the result presented at the edge (present.ts), then rendered. */
export function renderRedactedSummary(
  result: PreflightResult,
  extras: SummaryExtras,
  redact: Redactor,
): string {
  return renderSummary(presentResult(result, redact), presentExtras(extras, redact));
}

const SUMMARY_CUT_NOTE = '… (summary cut to stay under the size limit)';
/** Room for the note and the few characters around it. */
const SUMMARY_CUT_NOTE_BYTES = Buffer.byteLength(SUMMARY_CUT_NOTE) + 40;

function endpointRow(e: ShownResult['endpoints'][number]): string {
  const models = e.models.length
    ? code(e.models.slice(0, 5).join(', ') + (e.models.length > 5 ? ` … (${e.models.length})` : ''))
    : '—';
  return `| ${code(e.baseUrl)} | ${e.ready ? '✅' : `❌ \`${e.finding?.cause ?? ''}\``} | ${e.server} | ${e.serverVersion ? code(e.serverVersion) : '—'} | ${models} | ${formatDuration(e.elapsedMs)} |`;
}
