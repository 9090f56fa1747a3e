import { CANCEL_EXIT_AFTER_MS } from '../limits.js';

/**
 * SIGINT and SIGTERM abort the wait, so the verdict says "cancelled" and the report is written at once. The
 * runner cancels a job with SIGINT, then SIGTERM 7.5 s later, then kills the tree 2.5 s after that; a person
 * presses Ctrl-C twice. If writing the report hangs, the process leaves anyway with `exitCode`.
 */
export function abortOnSignals(exitCode: () => number): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      controller.abort(signal);
      setTimeout(() => process.exit(exitCode()), CANCEL_EXIT_AFTER_MS).unref();
    });
  return controller.signal;
}
