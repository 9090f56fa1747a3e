import type { InputProblem } from '../config/schema.js';
import type { Progress } from '../engine/preflight.js';
import type { PreflightResult } from '../types.js';
import { INPUT_ECHO_MAX_CHARS } from '../limits.js';
import type { Redactor } from '../redact.js';
import type { SummaryExtras } from './markdown.js';

/** Every side effect of a run goes through one of these: the Actions runner, a terminal, or JSON. */
export interface Reporter {
  /** Before anything is printed: secrets to mask everywhere. */
  maskSecrets(secrets: readonly string[]): void;
  /** A line saying what we are about to do. */
  begin(description: string): void;
  progress(progress: Progress): void;
  /** A server was started with `start`: remember it at once, so the post step can stop it even if we are killed. */
  serverStarted(pid: number, logFile: string | undefined): void;
  finish(result: PreflightResult, extras: SummaryExtras): Promise<void>;
  /** Bad input: one line per problem, naming the input. */
  rejectInput(problems: InputProblem[]): void;
  /** A bug in llm-preflight itself. */
  internalError(error: unknown): void;
}

/**
 * Surfaces name inputs differently: `timeout` in a workflow, `--timeout` on the command line. The bad value is
 * redacted before it is cut to length: cutting first could leave half a secret that no longer matches.
 */
export function describeProblem(
  p: InputProblem,
  surface: 'action' | 'cli',
  redact: Redactor = (text) => text,
): string {
  const flat = redact(p.got).replace(/\s+/g, ' ');
  const got = flat.length > INPUT_ECHO_MAX_CHARS ? flat.slice(0, INPUT_ECHO_MAX_CHARS - 3) + '...' : flat;
  return surface === 'action'
    ? `Input '${p.input}' ${p.message}; got "${got}". For example: ${p.input}: ${p.example}`
    : `--${p.input} ${p.message}; got "${got}". For example: --${p.input} ${p.example}`;
}

/**
 * Text a server sent may hold terminal control sequences (colours, cursor moves, OSC 8 links, a window
 * title) or a carriage return that hides what came before: show each as a visible replacement character.
 */
export function visibleText(text: string): string {
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point here
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}

/**
 * One inert line for a log the Actions runner reads (the job log, and the CLI's own output when it runs in a
 * `run:` step): no line breaks (the next line could start with `::`), no control sequences, no `::` at its
 * start and no `##[` anywhere; the runner reads both as workflow commands, on stdout and stderr alike.
 */
export function inertLine(text: string): string {
  return visibleText(text.replace(/\r?\n|\r/g, ' '))
    .replace(/^(\s*)::/, '$1: :')
    .replace(/##\[/g, '#\u200b#[');
}
