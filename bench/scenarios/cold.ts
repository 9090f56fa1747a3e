// Scenario 4, cold start: a server that is ready before the contender starts; whole-process wall time, CPU and
// peak RSS, with `node -e 0` as the floor.

import { rotate } from '../stats.ts';
import { NODE_FLOOR, problemWith, runContender, type Contender } from '../contenders.ts';
import { freePort, progress, startBenchServer, tail } from '../harness.ts';
import type { RunRecord } from '../record.ts';
import type { Settings } from '../settings.ts';

const COLD_TIMEOUT_MS = 30_000;

async function coldRun(contender: Contender, port: number, round: number): Promise<RunRecord> {
  const run = await runContender(contender, { port, timeoutMs: COLD_TIMEOUT_MS }, { measureRss: true });
  const record: RunRecord = {
    round,
    contender: contender.id,
    code: run.code,
    ready: run.ready,
    wallMs: run.exitedAtMs - run.startedAtMs,
    peakRssKb: run.peakRssKb,
    cpuMs: run.cpuMs,
  };
  record.problem = problemWith(run, true);
  if (record.problem) record.output = tail(run.stderr || run.stdout);
  return record;
}

export async function scenarioCold(
  contenders: readonly Contender[],
  settings: Settings,
): Promise<RunRecord[]> {
  const server = await startBenchServer();
  const port = await freePort();
  server.go({ port, refuseMs: 0, loadingMs: 0 });
  await server.waitFor('ready');
  const runs: RunRecord[] = [];
  try {
    for (let round = 0; round < settings.coldRounds; round++) {
      for (const contender of rotate([...contenders, NODE_FLOOR], round))
        runs.push(await coldRun(contender, port, round));
      progress(`[cold ${round + 1}/${settings.coldRounds}] done`);
    }
  } finally {
    await server.stop();
  }
  return runs;
}
