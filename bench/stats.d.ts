// Types for bench/stats.js, so the unit tests type-check against the plain-JS benchmark.

export interface Summary {
  n: number;
  median?: number;
  q1?: number;
  q3?: number;
  min?: number;
  max?: number;
}

export function quantile(values: readonly number[], q: number): number | undefined;
export function median(values: readonly number[]): number | undefined;
export function summarize(values: readonly number[]): Summary;
export function peakCountInWindow(timestampsMs: readonly number[], windowMs?: number): number;
export function ratePerSecond(count: number, spanMs: number): number | undefined;
export function ratio(ours: number | undefined, theirs: number | undefined): number | undefined;
export function formatRatio(value: number | undefined): string;
export function formatMs(ms: number | undefined): string;
export function formatSpread(
  summary: Summary | undefined,
  format?: (ms: number | undefined) => string,
): string;
export function formatBytes(bytes: number | undefined): string;
export function renderTable(rows: ReadonlyArray<ReadonlyArray<string | number>>): string;
export function rotate<T>(items: readonly T[], round: number): T[];
export function stratifiedOffsetMs(
  round: number,
  rounds: number,
  spanMs: number,
  random?: () => number,
): number;
