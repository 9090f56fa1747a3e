import { expect } from 'vitest';
import { formatDuration } from '../../src/config/duration.js';
import { LOG_LINES_QUOTED } from '../../src/limits.js';
import { describe, formatAt, timelineRows } from '../../src/report/describe.js';
import { fencedLine } from '../../src/report/markdown-text.js';
import type { ShownExtras, ShownResult } from '../../src/report/present.js';
import { visibleLine } from '../../src/report/text.js';
import { endpointStartup } from '../../src/report/startup.js';
import { all, childrenNamed, gfmTree, rawTextOf, textOf, type Element } from './gfm.js';

/** Values as the reader must see them: one line, invisible characters spelled out, white space folded. */
function seen(literals: TemplateStringsArray, ...values: string[]): string {
  return String.raw({ raw: literals }, ...values.map(visibleLine))
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Renders the summary as GitHub does and checks that its structure is the one the result implies, whatever
 * text the servers sent: only our elements; one table row per endpoint and per timeline row, each with its
 * cells; one list item per piece of evidence; one <details> per section; and each value shown as itself.
 */
export function expectSummaryShape(markdown: string, result: ShownResult, extras: ShownExtras): void {
  const root = gfmTree(markdown);
  expect(all(root, 'h2'), 'one heading').toHaveLength(1);
  const tables = all(root, 'table');
  const timelines = result.endpoints.filter((e) => timelineRows(e.timeline).length > 0);
  // The start-up profile (pulls, downloads, loading) is a table of its own when the timeline has phases.
  const profile = endpointStartup(result.endpoints[0]) ? 1 : 0;
  expect(tables, 'the endpoint table, the start-up profile, one table per timeline').toHaveLength(
    1 + profile + timelines.length,
  );
  expectEndpointTable(tables[0]!, result);
  timelines.forEach((e, i) => expectTimelineTable(tables[i + 1 + profile]!, e));
  expectDetails(root, result, extras, timelines);
  expectEvidence(root, result);
  expectQuotes(root, result);
  expectVerdict(root, result);
}

function rowsOf(table: Element): { head: string[]; body: string[][] } {
  const cells = (tr: Element, tag: string) => childrenNamed(tr, tag).map(textOf);
  const [thead] = childrenNamed(table, 'thead');
  const [tbody] = childrenNamed(table, 'tbody');
  return {
    head: childrenNamed(thead!, 'tr').flatMap((tr) => cells(tr, 'th')),
    body: tbody ? childrenNamed(tbody, 'tr').map((tr) => cells(tr, 'td')) : [],
  };
}

function expectEndpointTable(table: Element, result: ShownResult): void {
  const { head, body } = rowsOf(table);
  expect(head).toEqual(['endpoint', 'ready', 'server', 'version', 'models', 'elapsed']);
  expect(body.map((row) => row.length)).toEqual(result.endpoints.map(() => 6));
  result.endpoints.forEach((e, i) => {
    const [url, , server, version, , elapsed] = body[i]!;
    expect(url).toBe(seen`${e.baseUrl}`);
    expect(server).toBe(e.server);
    expect(version).toBe(e.serverVersion ? seen`${e.serverVersion}` : '—');
    expect(elapsed).toBe(formatDuration(e.elapsedMs));
  });
}

function expectTimelineTable(table: Element, e: ShownResult['endpoints'][number]): void {
  const { head, body } = rowsOf(table);
  expect(head).toEqual(['time', 'check', 'result']);
  const rows = timelineRows(e.timeline);
  expect(body).toEqual(
    rows.map((row) => [
      row.count > 1 ? `${formatAt(row.fromMs)} – ${formatAt(row.toMs)}` : formatAt(row.fromMs),
      seen`${row.what}`,
      seen`${row.result}${row.count > 1 ? ` ×${row.count}` : ''}`,
    ]),
  );
}

function expectDetails(
  root: Element,
  result: ShownResult,
  extras: ShownExtras,
  timelines: ShownResult['endpoints'],
): void {
  const tails = extras.tails.filter((tail) => tail.lines.length);
  const titles = [
    ...(result.finding?.evidence.length ? ['Evidence'] : []),
    ...timelines.map((e) => seen`Timeline for ${e.baseUrl}`),
    ...tails.map((tail) => seen`Last lines of ${tail.source}`),
  ];
  const details = all(root, 'details');
  expect(details.map((d) => childrenNamed(d, 'summary').map(textOf))).toEqual(titles.map((t) => [t]));
  const pres = all(root, 'pre');
  expect(pres.map(rawTextOf)).toEqual(
    tails.map((tail) => tail.lines.slice(-LOG_LINES_QUOTED).map(fencedLine).join('\n') + '\n'),
  );
}

function expectEvidence(root: Element, result: ShownResult): void {
  const evidence = result.finding?.evidence ?? [];
  // The start-up profile's list of avoidable phases comes first (markdown.ts section order), then the evidence.
  const avoidable =
    endpointStartup(result.endpoints[0])?.rows.filter((r) => r.avoid !== undefined && r.ms > 0) ?? [];
  expect(all(root, 'ul')).toHaveLength((avoidable.length ? 1 : 0) + (evidence.length ? 1 : 0));
  expect(all(root, 'li').slice(avoidable.length).map(textOf)).toEqual(
    evidence.map((ev) => {
      const { what, result: outcome } = describe(ev);
      return seen`${formatAt(ev.atMs)} · ${what}: ${outcome}`;
    }),
  );
}

function expectQuotes(root: Element, result: ShownResult): void {
  const quotes = all(root, 'blockquote').map(textOf);
  expect(quotes).toEqual([
    ...(result.demo ? [quotes[0]] : []),
    ...result.warnings.map((w) => seen`[!WARNING] ${w}`),
  ]);
}

function expectVerdict(root: Element, result: ShownResult): void {
  const f = result.finding;
  if (result.ready || !f) return;
  const paragraphs = all(root, 'p').map(textOf);
  expect(paragraphs).toContain(seen`What is wrong: ${f.summary}`);
  expect(paragraphs).toContain(seen`How to fix it: ${f.hint}`);
}
