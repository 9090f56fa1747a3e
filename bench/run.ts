// npm run bench: llm-preflight against the tools users would pick instead, side by side, in one run.
// What each figure means, and how to run it: bench/README.md. Every number printed comes from this run.

import { cpus, loadavg } from 'node:os';
import { distSizes, gitDescription, staleDistWarning } from './build-info.ts';
import { CONTENDERS, missingBuildParts, type Contender } from './contenders.ts';
import { hasCommand, removeScratch, TIME_BIN } from './harness.ts';
import type { Results } from './record.ts';
import { renderReport, writeLatestJson } from './report.ts';
import { scenarioCold } from './scenarios/cold.ts';
import { scenarioDead } from './scenarios/dead.ts';
import { findLlamaServer, scenarioLlama } from './scenarios/llama.ts';
import { scenarioLong } from './scenarios/long.ts';
import { scenarioReady } from './scenarios/ready.ts';
import { scenarioVllm } from './scenarios/vllm.ts';
import { exitWithUsageError, isWanted, readSettings, type Settings } from './settings.ts';
import { checkTargets } from './targets.ts';

const notes: string[] = [];
const note = (text: string) => {
  notes.push(text);
  console.error(`note: ${text}`);
};

/** The contenders this machine can run and BENCH_CONTENDERS asks for; notes what is missing. */
function pickContenders(settings: Settings): Contender[] {
  const [major = 0] = process.versions.node.split('.').map(Number);
  if (major < 24)
    exitWithUsageError(`Node ${process.versions.node}; run it with Node 24 (npm run bench puts it on PATH).`);
  for (const path of missingBuildParts()) exitWithUsageError(`${path} is missing (npm ci && npm run build)`);
  const stale = staleDistWarning();
  if (stale) note(stale);
  if (!TIME_BIN) note('/usr/bin/time is not installed: no peak RSS figures (apt-get install -y time).');
  const curlFound = hasCommand('curl') && hasCommand('timeout', ['--version']);
  if (!curlFound)
    note('curl (or coreutils timeout) not found: the curl-loop rows are skipped (apt-get install -y curl).');
  for (const id of settings.contenders)
    if (!CONTENDERS.some((c) => c.id === id))
      exitWithUsageError(
        `BENCH_CONTENDERS lists "${id}"; contenders are ${CONTENDERS.map((c) => c.id).join(', ')}`,
      );
  return CONTENDERS.filter(
    (c) =>
      (curlFound || !c.needsCurl) && (settings.contenders.length === 0 || settings.contenders.includes(c.id)),
  );
}

/** Runs the wanted scenarios in the bench's order (the long one last); returns the results and the llama build. */
async function runScenarios(contenders: Contender[], settings: Settings) {
  const results: Results = {};
  if (isWanted(settings, 'ready')) results.ready = await scenarioReady(contenders, settings);
  if (isWanted(settings, 'vllm')) results.vllm = await scenarioVllm(contenders, settings);
  if (isWanted(settings, 'dead')) results.dead = await scenarioDead(contenders, settings);
  if (isWanted(settings, 'cold')) results.cold = await scenarioCold(contenders, settings);
  let llamaTag: string | undefined;
  if (isWanted(settings, 'llama')) {
    const llama = await findLlamaServer();
    if ('skip' in llama) note(`real llama-server row skipped: ${llama.skip}`);
    else {
      results.llama = await scenarioLlama(contenders, llama, settings);
      llamaTag = llama.tag;
    }
  }
  if (isWanted(settings, 'long')) results.long = await scenarioLong(contenders, settings);
  return { results, llamaTag };
}

async function main() {
  const settings = readSettings();
  const contenders = pickContenders(settings);
  const startedAt = new Date();
  const loadBefore = loadavg();
  console.error(
    `llm-preflight bench: ${settings.rounds} rounds, ${cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, ` +
      `Node ${process.versions.node}, commit ${gitDescription()}`,
  );
  const { results, llamaTag } = await runScenarios(contenders, settings);
  const sizes = distSizes();
  const context = {
    startedAt,
    commit: gitDescription(),
    loadBefore,
    loadAfter: loadavg(),
    settings,
    contenders,
    results,
    ...(llamaTag === undefined ? {} : { llamaTag }),
    sizes,
    targets: checkTargets(results, sizes, contenders, settings),
    notes,
  };
  const report = renderReport(context);
  console.log(report);
  writeLatestJson(context, report);
  console.error('\nwrote bench/results/latest.json');
}

// On 'exit', so a usage error's process.exit cleans up too.
process.once('exit', removeScratch);
await main();
