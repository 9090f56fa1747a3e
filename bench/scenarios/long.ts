// Scenario 2, long load: every contender against its own server at once, to keep the run short; ready moments
// staggered so no two contenders finish at once.

import { formatMs, rotate, stratifiedOffsetMs } from '../stats.ts';
import type { Contender } from '../contenders.ts';
import { progress } from '../harness.ts';
import type { RunRecord } from '../record.ts';
import type { Settings } from '../settings.ts';
import { readyLagRun } from './ready.ts';

export async function scenarioLong(
  contenders: readonly Contender[],
  settings: Settings,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let round = 0; round < settings.longRounds; round++) {
    const order = rotate(contenders, round);
    const jobs = order.map(async (contender, index) => {
      const loadingMs = Math.round(
        settings.longMs +
          index * settings.longStaggerMs +
          stratifiedOffsetMs(round, settings.longRounds, Math.min(settings.jitterMs, settings.longStaggerMs)),
      );
      const timeoutMs = settings.refuseMs + loadingMs + 60_000;
      const lagRun = await readyLagRun(contender, { refuseMs: settings.refuseMs, loadingMs, timeoutMs });
      const record: RunRecord = { ...lagRun, round, loadingMs };
      progress(
        `[long ${round + 1}/${settings.longRounds}] ${contender.id}: lag ${formatMs(record.lagMs)}, ` +
          `${record.loadingRequests ?? '?'} requests in ${formatMs(loadingMs)} of loading` +
          `${record.problem ? ` — ${record.problem}` : ''}`,
      );
      return record;
    });
    runs.push(...(await Promise.all(jobs)));
  }
  return runs;
}
