// Scenario 3, dead server: bench/crash-server.js logs vLLM's start-up, dies of a CUDA OOM and exits 1. Ours start
// it themselves and must name the cause; the peers poll one the harness starts alongside, which is all they can do.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMs, rotate } from '../stats.ts';
import { baseEnv, problemWith, runContender, type Contender, type ContenderRun } from '../contenders.ts';
import { freePort, progress, ROOT, SCRATCH, shellQuote, tail } from '../harness.ts';
import type { RunRecord } from '../record.ts';
import type { Settings } from '../settings.ts';

const CRASH_SCRIPT = join(ROOT, 'bench/crash-server.js');
const OURS_TIMEOUT_MS = 60_000;

/** Runs one contender against a crashing server; returns its run and the server's exit moment, if it ran. */
async function crashRun(contender: Contender, exitFile: string, timeoutMs: number) {
  const port = await freePort();
  const start = [process.execPath, CRASH_SCRIPT, exitFile].map(shellQuote).join(' ');
  const crash = contender.ours
    ? undefined
    : spawn(process.execPath, [CRASH_SCRIPT, exitFile], { stdio: 'ignore', env: baseEnv() });
  const run = await runContender(contender, { port, timeoutMs, ...(contender.ours ? { start } : {}) });
  if (crash && crash.exitCode === null) await new Promise((r) => crash.once('exit', r));
  const crashExitAtMs = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8')) : undefined;
  return { run, crashExitAtMs };
}

function deadProblem(run: ContenderRun, crashExitAtMs: number | undefined): string | undefined {
  const problem = problemWith(run, false);
  if (problem) return problem;
  if (run.ready) return 'reported ready for a dead server';
  if (crashExitAtMs === undefined) return 'the crashing server never ran';
  return undefined;
}

export async function scenarioDead(
  contenders: readonly Contender[],
  settings: Settings,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const exitFile = join(SCRATCH, `crash-exit-${round}-${contender.id}`);
      const timeoutMs = contender.ours ? OURS_TIMEOUT_MS : settings.peerTimeoutMs;
      const { run, crashExitAtMs } = await crashRun(contender, exitFile, timeoutMs);
      const record: RunRecord = {
        round,
        contender: contender.id,
        code: run.code,
        ready: run.ready,
        cause: run.cause,
        wallMs: run.exitedAtMs - run.startedAtMs,
        failedAfterExitMs: crashExitAtMs === undefined ? undefined : run.exitedAtMs - crashExitAtMs,
        timeoutMs,
      };
      record.problem = deadProblem(run, crashExitAtMs);
      if (record.problem) record.output = tail(run.stderr || run.stdout);
      runs.push(record);
      progress(
        `[dead ${round + 1}/${settings.rounds}] ${contender.id}: failed ${formatMs(record.failedAfterExitMs)} after ` +
          `the server died${record.cause ? ` (cause: ${record.cause})` : ''}${record.problem ? ` — ${record.problem}` : ''}`,
      );
    }
  }
  return runs;
}
