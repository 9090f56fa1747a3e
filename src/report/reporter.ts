import type { InputProblem } from '../config/schema.js';
import type { Progress } from '../preflight.js';
import type { PreflightResult } from '../types.js';
import type { SummaryExtras } from './markdown.js';

/** Every side effect of a run goes through one of these: the Actions runner, a terminal, or JSON. */
export interface Reporter {
  /** Before anything is printed: secrets to mask everywhere. */
  maskSecrets(secrets: readonly string[]): void;
  /** A line saying what we are about to do. */
  begin(description: string): void;
  progress(progress: Progress): void;
  finish(result: PreflightResult, extras: SummaryExtras): Promise<void>;
  /** Bad input: one line per problem, naming the input. */
  rejectInput(problems: InputProblem[]): void;
  /** A bug in llm-preflight itself. */
  internalError(error: unknown): void;
}

/** Surfaces name inputs differently: `timeout` in a workflow, `--timeout` on the command line. */
export function describeProblem(p: InputProblem, surface: 'action' | 'cli'): string {
  const flat = p.got.replace(/\s+/g, ' ');
  const got = flat.length > 80 ? flat.slice(0, 77) + '...' : flat;
  return surface === 'action'
    ? `Input '${p.input}' ${p.message}; got "${got}". For example: ${p.input}: ${p.example}`
    : `--${p.input} ${p.message}; got "${got}". For example: --${p.input} ${p.example}`;
}
