import { formatDuration } from '../config/duration.js';
import { oneLine } from '../diagnose.js';
import { SUMMARY_MAX_BYTES, TIMELINE_MAX_ROWS } from '../limits.js';
import type { EndpointResult, Evidence, PreflightResult } from '../types.js';

/**
 * Text from servers and users goes into Markdown as text, never as markup: no links, no HTML, no table breaks.
 * Server-provided URLs are shown in code spans so the summary never renders them as links.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ')
    .replace(/:\/\//g, ':&#47;&#47;');
}

export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const ticks = flat.includes('`') ? '``' : '`';
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
export function timelineRows(timeline: readonly Evidence[]): TimelineRow[] {
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

export function describe(ev: Evidence): { what: string; result: string } {
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
        what: ev.source,
        result: ev.signal ? `killed by ${ev.signal}` : `exited with code ${ev.code}`,
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
    case 'note':
      return { what: 'note', result: oneLine(ev.text, 140) };
    case 'cancelled':
      return { what: 'cancelled', result: ev.signal };
  }
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

/** The job summary. Pure: the Actions reporter writes it, tests read it. */
export function renderSummary(result: PreflightResult, extras: SummaryExtras): string {
  const out: string[] = [];
  const first = result.endpoints[0];
  if (result.demo)
    out.push('> [!NOTE]\n> This is a demo run of llm-preflight against a demo server it started itself.\n');
  if (result.ready) {
    out.push(`## ✅ LLM server ready in ${formatDuration(result.elapsedMs)}`);
  } else {
    const f = result.finding;
    out.push(`## ❌ LLM server not ready: \`${f?.cause ?? 'unknown'}\``);
    if (f) {
      out.push(
        '',
        `**What is wrong:** ${escapeMarkdown(f.summary)}`,
        '',
        `**How to fix it:** ${escapeMarkdown(f.hint)}`,
      );
    }
  }
  out.push('');
  out.push('| endpoint | ready | server | version | models | elapsed |', '|---|---|---|---|---|---|');
  for (const e of result.endpoints) out.push(endpointRow(e));
  for (const warning of result.warnings) out.push('', `> [!WARNING]\n> ${escapeMarkdown(warning)}`);
  for (const e of result.endpoints) {
    const smoke = e.smoke.filter((s) => s.ok);
    if (smoke.length) {
      out.push(
        '',
        '**Smoke test:** ' +
          smoke
            .map(
              (s) =>
                `${code(s.model)}: ${s.ttftMs !== undefined ? `first token ${s.ttftMs} ms, ` : ''}total ${s.totalMs} ms`,
            )
            .join('; '),
      );
    }
  }
  if (result.finding && result.finding.evidence.length) {
    out.push('', '<details open><summary>Evidence</summary>', '');
    for (const ev of result.finding.evidence) {
      const { what, result: r } = describe(ev);
      out.push(`- ${formatAt(ev.atMs)} · ${escapeMarkdown(what)}: ${code(r)}`);
    }
    out.push('', '</details>');
  }
  for (const e of result.endpoints) {
    const rows = timelineRows(e.timeline);
    if (!rows.length) continue;
    out.push(
      '',
      `<details${result.ready ? '' : ' open'}><summary>Timeline for ${escapeMarkdown(e.baseUrl)}</summary>`,
      '',
    );
    out.push('| time | check | result |', '|---|---|---|');
    for (const row of rows) {
      const time = row.count > 1 ? `${formatAt(row.fromMs)} – ${formatAt(row.toMs)}` : formatAt(row.fromMs);
      out.push(
        `| ${time} | ${escapeMarkdown(row.what)} | ${code(row.result)}${row.count > 1 ? ` ×${row.count}` : ''} |`,
      );
    }
    out.push('', '</details>');
  }
  for (const tail of extras.tails) {
    if (!tail.lines.length) continue;
    out.push('', `<details><summary>Last lines of ${escapeMarkdown(tail.source)}</summary>`, '', '```text');
    out.push(...tail.lines.slice(-30).map((l) => l.replace(/```/g, "'''")));
    out.push('```', '', '</details>');
  }
  if (extras.logFile) out.push('', `Server log: ${code(extras.logFile)}`);
  out.push('');
  let text = out.join('\n');
  if (Buffer.byteLength(text) > SUMMARY_MAX_BYTES)
    text = text.slice(0, SUMMARY_MAX_BYTES / 2) + '\n\n… (summary cut to stay under the size limit)\n';
  return text;
}

function endpointRow(e: EndpointResult): string {
  const models = e.models.length
    ? code(e.models.slice(0, 5).join(', ') + (e.models.length > 5 ? ` … (${e.models.length})` : ''))
    : '—';
  return `| ${code(e.baseUrl)} | ${e.ready ? '✅' : `❌ \`${e.finding?.cause ?? ''}\``} | ${e.server} | ${e.serverVersion ? code(e.serverVersion) : '—'} | ${models} | ${formatDuration(e.elapsedMs)} |`;
}
