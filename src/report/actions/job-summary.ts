import { SUMMARY_MAX_BYTES } from '../../limits.js';
import { renderSummary, SUMMARY_CUT_NOTE } from '../markdown.js';
import type { ShownExtras, ShownResult } from '../present.js';
import * as core from '../runner/runner-commands.js';
import { inertLine } from '../text.js';

/** The job summary, when the runner gives a file for it; a failure to write it is a warning, not a failed run. */
export async function writeJobSummary(
  env: Record<string, string | undefined>,
  result: ShownResult,
  extras: ShownExtras,
): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(fitSummary(renderSummary(result, extras))).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${inertLine(String(error))}`);
  }
}

/**
 * The runner drops a summary over 1 MiB. The renderer keeps it to half of that, and redaction can grow it only
 * a little, so this is a last guard: keep the verdict and table, drop the <details> sections whole.
 */
function fitSummary(text: string): string {
  if (Buffer.byteLength(text) <= SUMMARY_MAX_BYTES * 2 - 1024) return text;
  const head = text.slice(0, Math.max(0, text.indexOf('\n<details')));
  return `${head.slice(0, SUMMARY_MAX_BYTES / 4)}\n\n${SUMMARY_CUT_NOTE}\n`;
}
