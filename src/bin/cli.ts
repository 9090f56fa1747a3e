#!/usr/bin/env node
import { runCli } from '../entry/cli.js';
import { abortOnSignals } from '../entry/signals.js';

// Ctrl-C stops the wait at once and the verdict says "cancelled" (exit 130); a second Ctrl-C, or a report that
// cannot be written, ends the process anyway.
const signal = abortOnSignals(() => 130);
process.exit(
  await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal,
  }),
);
