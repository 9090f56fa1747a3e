// The printed report (tables, ratios of medians, targets) and bench/results/latest.json. Every figure comes
// from this run's records; nothing is compared with a stored number.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { formatBytes, formatMs, formatRatio, formatSpread, ratio, renderTable } from './stats.ts';
import { NODE_FLOOR, type Contender } from './contenders.ts';
import { countedRuns, formatMb, maxOf, okCount, summaryOf } from './figures.ts';
import { ROOT, TIME_BIN } from './harness.ts';
import type { FigureField, Results, RunRecord } from './record.ts';
import type { Settings } from './settings.ts';
import type { Target } from './targets.ts';

const RESULTS_DIR = join(ROOT, 'bench/results');

export interface ReportContext {
  startedAt: Date;
  commit: string;
  loadBefore: number[];
  loadAfter: number[];
  settings: Settings;
  contenders: readonly Contender[];
  results: Results;
  /** The llama-server build measured in scenario 1b. */
  llamaTag?: string;
  sizes: Record<string, number>;
  targets: Target[];
  notes: string[];
}

const fmtNumber = (value: number | undefined, digits = 1) =>
  value === undefined ? '—' : value.toFixed(digits);
const section = (title: string, ...lines: string[]) => ['', title, '', ...lines];

function ratioLines(runs: RunRecord[], contenders: readonly Contender[], field: FigureField, what: string) {
  const peers = contenders.filter((c) => !c.ours && countedRuns(runs, c.id).length > 0);
  return contenders
    .filter((c) => c.ours)
    .map((c) => {
      const ours = summaryOf(runs, c.id, field).median;
      const parts = peers.map(
        (p) => `${formatRatio(ratio(ours, summaryOf(runs, p.id, field).median))} ${p.id}`,
      );
      return `  ${c.id} ${what}: ${parts.join(', ') || 'no peer to compare with'}`;
    });
}

function readyTable(runs: RunRecord[], contenders: readonly Contender[], withRequests: boolean) {
  const header = ['contender', 'ready lag median [min–max]', 'IQR'];
  if (withRequests) header.push('requests while loading', 'req/s loading (mean / peak 1 s)');
  header.push('ok');
  const rows = [header];
  for (const c of contenders) {
    const lag = summaryOf(runs, c.id, 'lagMs');
    const row = [c.label, formatSpread(lag), lag.n ? `${formatMs(lag.q1)}–${formatMs(lag.q3)}` : '—'];
    if (withRequests) {
      row.push(fmtNumber(summaryOf(runs, c.id, 'loadingRequests').median, 0));
      row.push(
        `${fmtNumber(summaryOf(runs, c.id, 'loadingRatePerSecond').median)} / ${fmtNumber(maxOf(runs, c.id, 'loadingPeakPerSecond'), 0)}`,
      );
    }
    row.push(okCount(runs, c.id));
    rows.push(row);
  }
  return renderTable(rows);
}

function deadTable(runs: RunRecord[], contenders: readonly Contender[]) {
  const rows = [['contender', 'failed after the exit, median [min–max]', 'cause named', 'its timeout', 'ok']];
  for (const c of contenders) {
    const causes = [...new Set(countedRuns(runs, c.id).map((r) => r.cause ?? '— (timed out)'))].join(', ');
    const timeoutMs = runs.find((r) => r.contender === c.id)?.timeoutMs;
    rows.push([
      c.label,
      formatSpread(summaryOf(runs, c.id, 'failedAfterExitMs')),
      causes || '—',
      formatMs(timeoutMs),
      okCount(runs, c.id),
    ]);
  }
  return renderTable(rows);
}

function coldTable(runs: RunRecord[], contenders: readonly Pick<Contender, 'id' | 'label'>[]) {
  const rows = [
    ['contender', 'wall median [min–max]', 'CPU (user+sys) median', 'peak RSS median [min–max]', 'ok'],
  ];
  for (const { id, label } of contenders)
    rows.push([
      label,
      formatSpread(summaryOf(runs, id, 'wallMs')),
      formatMs(summaryOf(runs, id, 'cpuMs').median),
      formatSpread(summaryOf(runs, id, 'peakRssKb'), formatMb),
      okCount(runs, id),
    ]);
  return renderTable(rows);
}

const readyLagRatios = (runs: RunRecord[], contenders: readonly Contender[]) => [
  'Ratios (ready lag, ours ÷ peer, medians):',
  ...ratioLines(runs, contenders, 'lagMs', 'ready lag'),
];

function coldSection(runs: RunRecord[], contenders: readonly Contender[], settings: Settings) {
  const floor = summaryOf(runs, NODE_FLOOR.id, 'wallMs').median;
  const aboveFloor = contenders
    .map((c) => {
      const wall = summaryOf(runs, c.id, 'wallMs').median;
      return wall === undefined || floor === undefined ? undefined : `${c.id} ${formatMs(wall - floor)}`;
    })
    .filter(Boolean);
  return section(
    `4. Cold start: server already ready; spawn → exit, peak RSS from ${TIME_BIN ?? '(unavailable)'} (${settings.coldRounds} rounds)`,
    coldTable(runs, [...contenders, NODE_FLOOR]),
    'Ratios (cold start wall, ours ÷ peer, medians):',
    ...ratioLines(runs, contenders, 'wallMs', 'wall'),
    'Ratios (peak RSS, ours ÷ peer, medians):',
    ...ratioLines(runs, contenders, 'peakRssKb', 'peak RSS'),
    `Start-up beyond Node's own (median wall − median node -e 0): ${aboveFloor.join(', ') || 'n/a'}`,
  );
}

function scenarioSections({ results, contenders, settings, llamaTag }: ReportContext): string[] {
  const out: string[] = [];
  const jitterHalfMs = settings.jitterMs / 2;
  if (results.ready)
    out.push(
      ...section(
        `1. Ready lag: refuses ${settings.refuseMs} ms, 503 "Loading model" ${settings.loadingMs} ± ${jitterHalfMs} ms, then ready (${settings.readyRounds} rounds)`,
        readyTable(results.ready, contenders, true),
        ...readyLagRatios(results.ready, contenders),
      ),
    );
  if (results.vllm)
    out.push(
      ...section(
        `1c. Ready lag, vLLM-like: refuses ${settings.refuseMs + settings.loadingMs} ± ${jitterHalfMs} ms (nothing listens until the model is in), then ready (${settings.readyRounds} rounds)`,
        readyTable(results.vllm, contenders, false),
        ...readyLagRatios(results.vllm, contenders),
      ),
    );
  if (results.llama)
    out.push(
      ...section(
        `1b. Ready lag against the real llama-server ${llamaTag}: started ${settings.refuseMs} ± ${jitterHalfMs} ms after the contender, tiny model (${settings.rounds} rounds)`,
        readyTable(results.llama, contenders, false),
        ...readyLagRatios(results.llama, contenders),
      ),
    );
  if (results.long)
    out.push(
      ...section(
        `2. Long load: refuses ${settings.refuseMs} ms, loads ${formatMs(settings.longMs)} ± ${Math.min(settings.jitterMs, settings.longStaggerMs) / 2} ms (+${settings.longStaggerMs} ms per slot, contenders side by side), ${settings.longRounds} rounds`,
        readyTable(results.long, contenders, true),
        ...readyLagRatios(results.long, contenders),
      ),
    );
  if (results.dead)
    out.push(
      ...section(
        `3. Dead server: CUDA OOM line, exit 1 after 1 s; peers poll it with a ${formatMs(settings.peerTimeoutMs)} timeout (${settings.rounds} rounds)`,
        deadTable(results.dead, contenders),
        'Ratios (time from exit to failure, ours ÷ peer, medians):',
        ...ratioLines(results.dead, contenders, 'failedAfterExitMs', 'failure after exit'),
      ),
    );
  if (results.cold) out.push(...coldSection(results.cold, contenders, settings));
  return out;
}

/** The command that reproduces this run: the BENCH_* variables that were set, then npm run bench. */
function commandLine(): string {
  const set = Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('BENCH_') && value)
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  return [...set, 'npm run bench'].join(' ');
}

function problemLines(results: Results): string[] {
  return Object.entries(results).flatMap(([scenario, runs]) =>
    runs
      .filter((r) => r.problem)
      .map((r) => `  - ${scenario} round ${r.round + 1}, ${r.contender}: ${r.problem}`),
  );
}

export function renderReport(context: ReportContext): string {
  const { startedAt, commit, loadBefore, loadAfter, sizes, targets, notes } = context;
  const out = [
    `llm-preflight benchmark — ${startedAt.toISOString()}, commit ${commit}`,
    `Node ${process.versions.node}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
      `load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after. ` +
      `Command: ${commandLine()}`,
    ...scenarioSections(context),
    ...section(
      'Bundle sizes',
      renderTable([
        ['file', 'bytes', ''],
        ...Object.entries(sizes).map(([file, bytes]) => [file, String(bytes), formatBytes(bytes)]),
      ]),
    ),
    ...section(
      'Targets (issue 6), action medians from this run',
      renderTable([['target', 'measured', 'status'], ...targets.map((t) => [t.name, t.shown, t.status])]),
    ),
  ];
  if (notes.length) out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  const problems = problemLines(context.results);
  if (problems.length) out.push('', 'Runs that did not count:', ...problems);
  return out.join('\n');
}

/** bench/results/latest.json: the settings, every run's raw record, the targets and the printed report. */
export function writeLatestJson(context: ReportContext, report: string): string {
  const json = {
    startedAt: context.startedAt.toISOString(),
    commit: context.commit,
    node: process.versions.node,
    cpus: cpus().length,
    loadavg: { before: context.loadBefore, after: context.loadAfter },
    settings: context.settings,
    notes: context.notes,
    sizes: context.sizes,
    targets: context.targets,
    runs: context.results,
    report,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, 'latest.json');
  writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
  return path;
}
