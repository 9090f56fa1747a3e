import type { ShownExtras, ShownResult } from '../present.js';
import { printLogTails } from '../runner/log-tails.js';
import * as core from '../runner/runner-commands.js';
import { inertLine } from '../text.js';
import type { StepAnnotations } from './annotations.js';

/**
 * What `new OpenAI()` gets when the step was given no api-key and the job has none: the official clients
 * refuse to construct without a key, even for a keyless llama.cpp or Ollama, which ignore whatever is sent.
 */
export const PLACEHOLDER_API_KEY = 'no-key-needed';

/**
 * The job log's line for a ready server, and the variables later steps' OpenAI clients read. `env` is the
 * step's environment: the api-key input as given (already masked) and the job's own OPENAI_API_KEY.
 */
export function reportReady(
  result: ShownResult,
  extras: ShownExtras,
  env: Record<string, string | undefined>,
): void {
  const e = result.endpoints[0]!;
  if (extras.exportEnv) exportClientEnv(e.baseUrl, env);
  // The version string is the server's text: a newline in it must not start a workflow command.
  core.info(
    inertLine(
      `LLM server ready: ${e.baseUrl} (${e.server}${e.serverVersion ? ' ' + e.serverVersion : ''}), ${e.models.length} model(s), ${result.elapsedMs} ms`,
    ),
  );
}

/** OPENAI_BASE_URL (v1+ SDKs), OPENAI_API_BASE (older clients, LangChain) and OPENAI_API_KEY for the steps after. */
function exportClientEnv(baseUrl: string, env: Record<string, string | undefined>): void {
  core.exportVariable('OPENAI_BASE_URL', baseUrl);
  core.exportVariable('OPENAI_API_BASE', baseUrl);
  // Raw on purpose: the next step needs the key itself. It was masked before anything was printed, and
  // GITHUB_ENV is read by the runner, never shown.
  const apiKey = env['INPUT_API-KEY']?.trim();
  if (apiKey) core.exportVariable('OPENAI_API_KEY', apiKey);
  else if (!env.OPENAI_API_KEY) core.exportVariable('OPENAI_API_KEY', PLACEHOLDER_API_KEY);
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
