import { configFromActionEnv } from '../config/from-action.js';
import { actionInputSecrets, secretsOf } from '../config/secrets.js';
import { runPreflight } from '../engine/run.js';
import { createRedactor } from '../redact.js';
import { createActionsReporter } from '../report/actions.js';
import { saveGateSnapshot } from './gate-state.js';

/**
 * The action's main step: inputs from INPUT_*, results to the runner. Returns the step's exit code; all logic
 * lives below engine/run.ts.
 */
export async function runAction(
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<number> {
  // Masked before anything is printed, and before parsing: a bad input is echoed back in its error message,
  // and an invalid base-url may still hold a password.
  const early = actionInputSecrets(env);
  let redact = createRedactor(early);
  const reporter = createActionsReporter(env, () => redact);
  reporter.maskSecrets(early);
  try {
    const parsed = configFromActionEnv(env);
    if (!parsed.ok) {
      await reporter.rejectInput(parsed.problems);
      return 1;
    }
    redact = createRedactor([...early, ...secretsOf(parsed.config)]);
    const result = await runPreflight(parsed.config, reporter, { env, ...(signal ? { signal } : {}) });
    saveGateSnapshot(parsed.config, result, env);
    return result.ready ? 0 : 1;
  } catch (error) {
    reporter.internalError(error);
    return 1;
  }
}
