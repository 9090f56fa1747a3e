// Scenario 1b: ready lag against the real llama.cpp llama-server with a tiny random-weight model, where
// `npm run real-server:build` has built it. Nothing is built here: without it, the row is skipped with a note.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatMs, rotate, stratifiedOffsetMs } from '../stats.ts';
import { problemWith, runContender, type Contender } from '../contenders.ts';
import { freePort, nowMs, progress, ROOT, SCRATCH, stopChild, tail } from '../harness.ts';
import type { RunRecord } from '../record.ts';
import type { Settings } from '../settings.ts';

export interface LlamaServer {
  binary: string;
  modelPath: string;
  tag: string;
}

/** The part of scripts/build-llama-server.js used here. */
interface LlamaBuildScript {
  NODE_LLAMA_CPP_VERSION: string;
  cacheRoot: () => string;
  ensureLlamaServer: (options: { log: (message: string) => void }) => Promise<{
    binary: string;
    vocabPath: string;
    tag: string;
  }>;
}

/** llama-server's ready moment is when it logs that it listens, which it does once the model is in. */
const LLAMA_READY_LINE = /listening on http/;

export async function findLlamaServer(): Promise<LlamaServer | { skip: string }> {
  const scriptPath = join(ROOT, 'scripts/build-llama-server.js');
  if (!existsSync(scriptPath)) return { skip: 'scripts/build-llama-server.js is absent' };
  const script = (await import(scriptPath)) as LlamaBuildScript;
  const root = script.cacheRoot();
  const pointer = join(root, `node-llama-cpp-${script.NODE_LLAMA_CPP_VERSION}.tag`);
  const tag = existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : '';
  if (!tag || !existsSync(join(root, tag, 'llama-server')))
    return { skip: 'llama-server is not built (npm run real-server:build builds it, ~8 min on 2 cores)' };
  // Cached, so this returns at once without building anything.
  const build = await script.ensureLlamaServer({ log: () => {} });
  const { writeTinyModel } = await import('../../test/support/tiny-gguf.ts');
  const modelPath = join(SCRATCH, 'tiny-llama.gguf');
  await writeTinyModel(modelPath, build.vocabPath);
  return { binary: build.binary, modelPath, tag: build.tag };
}

/** Starts llama-server after delayMs; readyAtMs() is when it logged that it listens. */
function startLlamaLater(llama: LlamaServer, port: number, delayMs: number) {
  // As the end-to-end tests run it: one thread, one slot, no web UI, no warmup.
  const args = ['-m', llama.modelPath, '--port', String(port), '-a', 'tiny', '--host', '127.0.0.1'];
  args.push('-c', '256', '-np', '1', '-t', '1', '--no-webui', '--no-warmup');
  let readyAtMs: number | undefined;
  let server: ChildProcess | undefined;
  const starter = setTimeout(() => {
    server = spawn(llama.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [server.stdout!, server.stderr!])
      createInterface({ input: stream }).on('line', (line) => {
        if (readyAtMs === undefined && LLAMA_READY_LINE.test(line)) readyAtMs = nowMs();
      });
  }, delayMs);
  return {
    readyAtMs: () => readyAtMs,
    async stop() {
      clearTimeout(starter);
      if (server) await stopChild(server);
    },
  };
}

async function llamaRun(contender: Contender, llama: LlamaServer, round: number, settings: Settings) {
  const port = await freePort();
  // Like scenario 1, nothing listens at first: the contender is polling (not still starting up) by the time
  // llama-server, which loads the tiny model in well under a second, becomes ready.
  const delayMs = Math.max(
    0,
    settings.refuseMs + stratifiedOffsetMs(round, settings.rounds, settings.jitterMs),
  );
  const server = startLlamaLater(llama, port, delayMs);
  const run = await runContender(contender, { port, timeoutMs: 60_000 });
  await server.stop();
  const readyAtMs = server.readyAtMs();
  const record: RunRecord = {
    round,
    contender: contender.id,
    code: run.code,
    ready: run.ready,
    wallMs: run.exitedAtMs - run.startedAtMs,
    lagMs: readyAtMs === undefined ? undefined : run.exitedAtMs - readyAtMs,
  };
  record.problem =
    problemWith(run, true) ??
    (readyAtMs === undefined ? 'llama-server never logged that it listens' : undefined);
  if (record.problem) record.output = tail(run.stderr || run.stdout);
  return record;
}

export async function scenarioLlama(
  contenders: readonly Contender[],
  llama: LlamaServer,
  settings: Settings,
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const record = await llamaRun(contender, llama, round, settings);
      runs.push(record);
      progress(
        `[llama ${round + 1}/${settings.rounds}] ${contender.id}: lag ${formatMs(record.lagMs)}` +
          `${record.problem ? ` — ${record.problem}` : ''}`,
      );
    }
  }
  return runs;
}
