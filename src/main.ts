import { configFromActionEnv } from './config/from-action.js';
import { CANCEL_EXIT_AFTER_MS } from './limits.js';
import { createRedactor, secretsInText } from './redact.js';
import { createActionsReporter } from './report/actions.js';
import { runPreflight, secretsOf } from './run.js';

// The action's main step: inputs from INPUT_*, results to the runner. All logic lives below run.ts.
const env = process.env;
// Masked before anything is printed, and before parsing: a bad input is echoed back in its error message,
// and an invalid base-url may still hold a password.
const early = [env['INPUT_API-KEY'] ?? '', ...secretsInText(env['INPUT_BASE-URL'] ?? '')];
let redact = createRedactor(early);
const reporter = createActionsReporter(env, () => redact);
reporter.maskSecrets(early);

const cancel = new AbortController();
// The runner cancels a job with SIGINT, then SIGTERM 7.5 s later, then kills the tree 2.5 s after that. The
// wait stops at once and the report is written within a moment; if writing it hangs, leave anyway.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    cancel.abort(signal);
    setTimeout(() => process.exit(process.exitCode ?? 1), CANCEL_EXIT_AFTER_MS).unref();
  });

try {
  const parsed = configFromActionEnv(env);
  if (!parsed.ok) {
    await reporter.rejectInput(parsed.problems);
  } else {
    redact = createRedactor([...early, ...secretsOf(parsed.config)]);
    await runPreflight(parsed.config, reporter, { env, signal: cancel.signal });
  }
} catch (error) {
  reporter.internalError(error);
}
// Nothing of ours may keep the step alive: the started server is detached and unref'd.
process.exit(process.exitCode ?? 0);
