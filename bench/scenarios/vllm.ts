// Scenario 1c, ready lag on a vLLM-like server: like vLLM it refuses connections until the model is loaded,
// then serves at once (no 503 phase), so a gate's lag is set by how it polls a port that refuses.

import { formatMs, rotate, stratifiedOffsetMs } from '../stats.ts';
import type { Contender } from '../contenders.ts';
import { progress } from '../harness.ts';
import type { RunRecord } from '../record.ts';
import type { Settings } from '../settings.ts';
import { readyLagRun } from './ready.ts';

/** The whole load is refused connections: BENCH_REFUSE_MS + BENCH_LOADING_MS, each round jittered. */
export function vllmRefuseMs(settings: Settings, round: number): number {
  const base = settings.refuseMs + settings.loadingMs;
  return Math.max(0, Math.round(base + stratifiedOffsetMs(round, settings.readyRounds, settings.jitterMs)));
}

export async function scenarioVllm(
  contenders: readonly Contender[],
  settings: Settings,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  const timeoutMs = settings.refuseMs + settings.loadingMs + settings.jitterMs + 60_000;
  for (let round = 0; round < settings.readyRounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const refuseMs = vllmRefuseMs(settings, round);
      const lagRun = await readyLagRun(contender, { refuseMs, loadingMs: 0, timeoutMs, shape: 'vllm' });
      const record: RunRecord = { ...lagRun, round, loadingMs: refuseMs };
      runs.push(record);
      progress(
        `[vllm ${round + 1}/${settings.readyRounds}] ${contender.id}: lag ${formatMs(record.lagMs)}` +
          `${record.problem ? ` — ${record.problem}` : ''}`,
      );
    }
  }
  return runs;
}
