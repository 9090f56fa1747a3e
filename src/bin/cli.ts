#!/usr/bin/env node
import { runCli } from '../entry/cli.js';
import { abortOnSignals } from '../entry/signals.js';

/**
 * Resolves once everything written to `stream` before has been handed to the OS, or the stream failed (a
 * reader that went away). Into a pipe, stdout is asynchronous: process.exit() drops what the pipe has not taken
 * yet, which cut a --json report at 64 KiB.
 */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

// Ctrl-C stops the wait at once and the verdict says "cancelled" (exit 130); a second Ctrl-C, or a report that
// cannot be written, ends the process anyway.
const signal = abortOnSignals(() => 130);
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal,
});
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
