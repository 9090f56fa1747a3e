import { configFromActionEnv } from './config/from-action.js';
import { createRedactor } from './redact.js';
import { createActionsReporter } from './report/actions.js';
import { runPreflight, secretsOf } from './run.js';

// The action's main step: inputs from INPUT_*, results to the runner. All logic lives below run.ts.
const env = process.env;
const parsed = configFromActionEnv(env);
let redact = createRedactor([env['INPUT_API-KEY']]);
const reporter = createActionsReporter(env, () => redact);
const cancel = new AbortController();
// The runner cancels a job with SIGINT, then SIGTERM 7.5 s later: report "cancelled" well within that.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => cancel.abort(signal));

try {
  if (!parsed.ok) {
    reporter.rejectInput(parsed.problems);
  } else {
    redact = createRedactor(secretsOf(parsed.config));
    await runPreflight(parsed.config, reporter, { env, signal: cancel.signal });
  }
} catch (error) {
  reporter.internalError(error);
}
// Nothing of ours may keep the step alive: the started server is detached and unref'd.
process.exit(process.exitCode ?? 0);
