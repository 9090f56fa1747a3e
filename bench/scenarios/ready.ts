// Scenario 1, ready lag: each contender in turn against its own bench server that refuses, loads (503), then
// serves. readyLagRun is also scenario 2's single run.

import { peakCountInWindow, ratePerSecond, rotate, stratifiedOffsetMs, formatMs } from '../stats.ts';
import { problemWith, runContender, type Contender } from '../contenders.ts';
import { freePort, progress, startBenchServer, tail, type ServerRequest } from '../harness.ts';
import type { RunRecord } from '../record.ts';
import type { Settings } from '../settings.ts';

/** Requests a server saw while loading: count, mean rate over the loading span, busiest 1 s window. */
function loadingRequestStats(requests: ServerRequest[], listeningAtMs: number, readyAtMs: number) {
  const loading = requests.filter((r) => r.phase === 'loading').map((r) => r.atMs);
  return {
    loadingRequests: loading.length,
    loadingRatePerSecond: ratePerSecond(loading.length, readyAtMs - listeningAtMs),
    loadingPeakPerSecond: peakCountInWindow(loading, 1000),
  };
}

export interface ReadyLagJob {
  refuseMs: number;
  loadingMs: number;
  timeoutMs: number;
  /** The bench server's wire shape (bench/server.js); llama.cpp's by default. */
  shape?: 'llamacpp' | 'vllm';
}

/** One contender against one bench server: refuse, load, serve; lag from the server's ready moment to exit. */
export async function readyLagRun(
  contender: Contender,
  { refuseMs, loadingMs, timeoutMs, shape }: ReadyLagJob,
): Promise<Omit<RunRecord, 'round'>> {
  const server = await startBenchServer();
  const port = await freePort();
  try {
    server.go({ port, refuseMs, loadingMs, ...(shape ? { shape } : {}) });
    const run = await runContender(contender, { port, timeoutMs });
    // The report comes after any 'ready' the server sent before it (IPC keeps order), so this sees it.
    const requests = await server.report();
    const readyAtMs = server.seen('ready')?.atMs;
    const listeningAtMs = server.seen('listening')?.atMs;
    const record: Omit<RunRecord, 'round'> = {
      contender: contender.id,
      code: run.code,
      ready: run.ready,
      wallMs: run.exitedAtMs - run.startedAtMs,
      lagMs: readyAtMs === undefined ? undefined : run.exitedAtMs - readyAtMs,
      ...(readyAtMs !== undefined && listeningAtMs !== undefined
        ? loadingRequestStats(requests, listeningAtMs, readyAtMs)
        : {}),
      requestsAfterReady: requests.filter((r) => r.phase === 'ready').length,
    };
    record.problem =
      problemWith(run, true) ??
      (readyAtMs === undefined ? 'exited before the server was ready (a false "ready")' : undefined);
    if (record.problem) record.output = tail(run.stderr || run.stdout);
    return record;
  } finally {
    await server.stop();
  }
}

export async function scenarioReady(
  contenders: readonly Contender[],
  settings: Settings,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  const timeoutMs = settings.refuseMs + settings.loadingMs + settings.jitterMs + 60_000;
  for (let round = 0; round < settings.readyRounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const loadingMs = Math.round(
        settings.loadingMs + stratifiedOffsetMs(round, settings.readyRounds, settings.jitterMs),
      );
      const lagRun = await readyLagRun(contender, { refuseMs: settings.refuseMs, loadingMs, timeoutMs });
      const record: RunRecord = { ...lagRun, round, loadingMs };
      runs.push(record);
      progress(
        `[ready ${round + 1}/${settings.readyRounds}] ${contender.id}: lag ${formatMs(record.lagMs)}, ` +
          `${record.loadingRequests ?? '?'} requests while loading${record.problem ? ` — ${record.problem}` : ''}`,
      );
    }
  }
  return runs;
}
