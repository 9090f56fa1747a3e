import { configFromActionEnv } from './config/from-action.js';
import { CANCEL_EXIT_AFTER_MS } from './limits.js';
import { createRedactor, secretsInText } from './redact.js';
import { createActionsReporter } from './report/actions.js';
import { runPreflight, secretsOf } from './run.js';
import { setFlagsFromString } from 'node:v8';

// undici parses HTTP with llhttp compiled to WebAssembly. After a handful of responses V8 recompiles llhttp's
// 33 KB state machine with its optimising compiler on a background thread: ~0.5 s of CPU and ~23 MB, and the
// process waits for it at exit, so a 50 ms check became a 0.5 s, 97 MB step (bench/, cold start). Our few
// small responses parse in microseconds on the baseline code, so tier-up is put out of reach. Set before the
// first request: the budget is read when the parser is instantiated.
setFlagsFromString('--wasm-tiering-budget=2147483647');

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
