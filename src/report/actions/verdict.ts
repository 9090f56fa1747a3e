import type { ShownExtras, ShownResult } from '../present.js';
import { printLogTails } from '../runner/log-tails.js';
import * as core from '../runner/runner-commands.js';
import { inertLine } from '../text.js';
import type { StepAnnotations } from './annotations.js';

/** The job log's line for a ready server, and the variables later steps' OpenAI clients read. */
export function reportReady(result: ShownResult, extras: ShownExtras): void {
  const e = result.endpoints[0]!;
  if (extras.exportEnv) {
    // OpenAI SDKs read OPENAI_BASE_URL (v1+) or OPENAI_API_BASE (older clients, LangChain).
    core.exportVariable('OPENAI_BASE_URL', e.baseUrl);
    core.exportVariable('OPENAI_API_BASE', e.baseUrl);
  }
  // The version string is the server's text: a newline in it must not start a workflow command.
  core.info(
    inertLine(
      `LLM server ready: ${e.baseUrl} (${e.server}${e.serverVersion ? ' ' + e.serverVersion : ''}), ${e.models.length} model(s), ${result.elapsedMs} ms`,
    ),
  );
}

/** One error annotation for the finding, then the logs' last lines in the job log. */
export async function reportNotReady(
  result: ShownResult,
  extras: ShownExtras,
  annotations: StepAnnotations,
): Promise<void> {
  const f = result.finding;
  // One error annotation, on the step's line: the title is the cause id users can search for.
  if (f) await annotations.error(inertLine(`${f.summary} Fix: ${f.hint}`), f.cause);
  printLogTails(extras.tails);
}
