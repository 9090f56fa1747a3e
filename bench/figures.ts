// The figures a table or a target reads off a scenario's runs: only runs that counted (no problem) go in.

import { summarize, type Summary } from './stats.ts';
import type { FigureField, RunRecord } from './record.ts';

export const countedRuns = (runs: readonly RunRecord[], id: string) =>
  runs.filter((r) => r.contender === id && !r.problem);

/** "counted/all" for the ok column. */
export const okCount = (runs: readonly RunRecord[], id: string) =>
  `${countedRuns(runs, id).length}/${runs.filter((r) => r.contender === id).length}`;

export const summaryOf = (runs: readonly RunRecord[], id: string, field: FigureField): Summary =>
  summarize(countedRuns(runs, id).map((r) => r[field]));

export function maxOf(runs: readonly RunRecord[], id: string, field: FigureField): number | undefined {
  const values = countedRuns(runs, id)
    .map((r) => r[field])
    .filter((v): v is number => v !== undefined);
  return values.length ? Math.max(...values) : undefined;
}

/** The median of a scenario that may not have run. */
export const medianOf = (runs: readonly RunRecord[] | undefined, id: string, field: FigureField) =>
  runs ? summaryOf(runs, id, field).median : undefined;

export const formatMb = (kb: number | undefined) =>
  kb === undefined ? '—' : `${(kb / 1024).toFixed(1)} MiB`;
