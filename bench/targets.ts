// Issue 6's targets, checked against this run's medians for the action (bench/README.md, "Targets").

import { formatBytes, formatMs, formatRatio, ratio } from './stats.ts';
import type { Contender } from './contenders.ts';
import { formatMb, maxOf, medianOf } from './figures.ts';
import type { Results } from './record.ts';
import type { Settings } from './settings.ts';

export interface Target {
  name: string;
  status: 'met' | 'MISSED' | 'NOT MEASURED';
  shown: string;
}

function target(name: string, value: number | undefined, limit: number, shown: string): Target {
  if (value === undefined) return { name, status: 'NOT MEASURED', shown: '—' };
  return { name, status: value <= limit ? 'met' : 'MISSED', shown };
}

/** The busiest 1 s any of ours gave a loading server, over scenarios 1 and 2. */
function peakLoadingRate(results: Results, contenders: readonly Contender[]): number {
  return Math.max(
    ...(['ready', 'long'] as const).flatMap((scenario) => {
      const runs = results[scenario];
      return runs
        ? contenders.filter((c) => c.ours).map((c) => maxOf(runs, c.id, 'loadingPeakPerSecond') ?? 0)
        : [];
    }),
    -Infinity,
  );
}

export function checkTargets(
  results: Results,
  sizes: Record<string, number>,
  contenders: readonly Contender[],
  settings: Settings,
): Target[] {
  const lagRatio = ratio(
    medianOf(results.ready, 'action', 'lagMs'),
    medianOf(results.ready, 'wait-on', 'lagMs'),
  );
  const vllmLagRatio = ratio(
    medianOf(results.vllm, 'action', 'lagMs'),
    medianOf(results.vllm, 'wait-on', 'lagMs'),
  );
  const longLag = medianOf(results.long, 'action', 'lagMs');
  const peakRate = peakLoadingRate(results, contenders);
  const deadLag = medianOf(results.dead, 'action', 'failedAfterExitMs');
  const coldWall = medianOf(results.cold, 'action', 'wallMs');
  const coldRss = medianOf(results.cold, 'action', 'peakRssKb');
  const bundle = sizes['dist/index.js'];
  return [
    target('ready lag (1) ≤ 0.5× wait-on', lagRatio, 0.5, formatRatio(lagRatio)),
    target('ready lag (1c, vLLM-like) ≤ 0.25× wait-on', vllmLagRatio, 0.25, formatRatio(vllmLagRatio)),
    target(`ready lag (2, ${formatMs(settings.longMs)} load) < 1 s`, longLag, 999.999, formatMs(longLag)),
    target(
      '≤ 10 requests/s to a loading server (busiest 1 s, ours)',
      Number.isFinite(peakRate) ? peakRate : undefined,
      10,
      `${peakRate}`,
    ),
    target('dead server named ≤ 1 s after its exit', deadLag, 1000, formatMs(deadLag)),
    target('cold start wall < 300 ms', coldWall, 299.999, formatMs(coldWall)),
    target('cold start peak RSS < 80 MB', coldRss, (80 * 1000 * 1000) / 1024 - 0.001, formatMb(coldRss)),
    target('dist/index.js < 1.5 MB', bundle, 1_500_000 - 1, formatBytes(bundle)),
  ];
}
