// Pure helpers for the benchmark: summaries, rates, ratios and the text table. No I/O, so they are unit-tested
// (test/unit/bench-stats.test.ts) and the numbers in a report can be trusted to mean what the README says.

export interface Summary {
  n: number;
  median?: number;
  q1?: number;
  q3?: number;
  min?: number;
  max?: number;
}

/** Sorted copy of the finite numbers in `values`. */
function sortedFinite(values: readonly (number | undefined)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
}

/** Quantile with linear interpolation between closest ranks (the spreadsheet / numpy default); undefined when empty. */
export function quantile(values: readonly (number | undefined)[], q: number): number | undefined {
  const sorted = sortedFinite(values);
  if (sorted.length === 0) return undefined;
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = sorted[Math.floor(position)]!;
  const above = sorted[Math.ceil(position)]!;
  return below + (above - below) * (position - Math.floor(position));
}

export function median(values: readonly (number | undefined)[]): number | undefined {
  return quantile(values, 0.5);
}

/** Median, quartiles and extremes of a sample; n counts the finite values only. */
export function summarize(values: readonly (number | undefined)[]): Summary {
  const sorted = sortedFinite(values);
  if (sorted.length === 0) return { n: 0 };
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/**
 * The most events that fall in any window of `windowMs` (half-open: [t, t + windowMs)). With events every 100 ms
 * exactly this is 10 for a 1 s window, so "at most 10 requests a second" reads straight off it.
 */
export function peakCountInWindow(timestampsMs: readonly number[], windowMs = 1000): number {
  const sorted = sortedFinite(timestampsMs);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Events per second over a span; undefined when the span is empty. */
export function ratePerSecond(count: number, spanMs: number): number | undefined {
  return spanMs > 0 ? (count * 1000) / spanMs : undefined;
}

/** ours / theirs, or undefined when either side is missing or theirs is not positive. */
export function ratio(ours: number | undefined, theirs: number | undefined): number | undefined {
  if (ours === undefined || theirs === undefined || !(theirs > 0)) return undefined;
  return ours / theirs;
}

export function formatRatio(value: number | undefined): string {
  if (value === undefined) return 'n/a';
  return `${value < 0.095 ? value.toFixed(3) : value.toFixed(2)}×`;
}

/** Milliseconds for a table cell: whole ms, or seconds with one decimal from 10 s up. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}

/** "median [min–max]" for a summary, each part through `format`. */
export function formatSpread(
  summary: Summary | undefined,
  format: (value: number | undefined) => string = formatMs,
): string {
  if (!summary || summary.n === 0) return '—';
  return `${format(summary.median)} [${format(summary.min)}–${format(summary.max)}]`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} B`;
}

/** A left-aligned text table: `rows` are arrays of cells; the first row is the header. */
export function renderTable(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, String(cell).length);
    });
  const line = (row: ReadonlyArray<string | number>) =>
    row
      .map((cell, i) => String(cell).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  if (!header) return '';
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The order contenders run in round `round`: rotated, so none always goes first (cold caches, CPU bursts). */
export function rotate<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = ((round % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * A random offset in [-spanMs/2, spanMs/2), stratified: round r of n draws from the r-th of n equal slices. Added
 * to a server's ready moment, it keeps that moment from lining up with a poller's phase the same way every round
 * (a fixed schedule measures one arbitrary phase), while n rounds still cover the whole span evenly.
 */
export function stratifiedOffsetMs(
  round: number,
  rounds: number,
  spanMs: number,
  random: () => number = Math.random,
): number {
  if (rounds <= 0 || spanMs <= 0) return 0;
  const slice = (((round % rounds) + rounds) % rounds) + Math.min(Math.max(random(), 0), 0.999999);
  return (slice / rounds) * spanMs - spanMs / 2;
}
