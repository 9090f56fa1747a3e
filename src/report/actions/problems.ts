import type { InputProblem } from '../../config/schema.js';
import { MAX_ERROR_ANNOTATIONS } from '../../limits.js';
import type { Redactor } from '../../redact.js';
import { text } from '../../text.js';
import { presentText } from '../present.js';
import { describeProblem } from '../reporter.js';
import * as core from '../runner/runner-commands.js';
import { inertLine } from '../text.js';
import type { StepAnnotations } from './annotations.js';
import { setInvalidInputOutputs } from './outputs.js';

/** One error annotation per bad input, on the step's line, and the outputs that say why the run stopped. */
export async function rejectInput(
  problems: readonly InputProblem[],
  annotations: StepAnnotations,
  redact: Redactor,
): Promise<void> {
  // The runner keeps 10 errors per step: fold any beyond the bound into the last one.
  const lines = problems.map((p) => inertLine(presentText(describeProblem(p, 'action'), redact)));
  const shown = lines.slice(0, MAX_ERROR_ANNOTATIONS - 1);
  if (lines.length >= MAX_ERROR_ANNOTATIONS) shown.push(lines.slice(MAX_ERROR_ANNOTATIONS - 1).join(' '));
  for (const line of shown) await annotations.error(line, 'invalid-input');
  setInvalidInputOutputs();
}

export function internalError(error: unknown, redact: Redactor): void {
  // The stack only at debug level: it helps a bug report, and it is noise in an ordinary log.
  const stack = error instanceof Error && error.stack ? error.stack : String(error);
  core.debug(presentText(text`${stack}`, redact));
  const message = error instanceof Error ? error.message : String(error);
  core.error(
    inertLine(presentText(text`Internal error in llm-preflight: ${message}. Please report it.`, redact)),
    { title: 'internal-error' },
  );
}
