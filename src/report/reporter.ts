import type { InputProblem } from '../config/schema.js';
import type { LeftBehind, PreflightResult, Progress } from '../types.js';
import { INPUT_ECHO_MAX_CHARS } from '../limits.js';
import { ours, quote, text, type Text } from '../text.js';
import type { SummaryExtras } from './present.js';

/** Every side effect of a run goes through one of these: the Actions runner, a terminal, or JSON. */
export interface Reporter {
  /** Before anything is printed: secrets to mask everywhere. */
  maskSecrets(secrets: readonly string[]): void;
  /** A line saying what we are about to do. */
  begin(description: Text): void;
  progress(progress: Progress): void;
  /** A server was started with `start`: remember it at once, so the post step can stop it even if we are killed. */
  serverStarted(pid: number, logFile: string | undefined): void;
  /** The start command returned, leaving its server outside its group (setsid, `docker run -d`): remember that too. */
  serverLeftBehind(left: LeftBehind): void;
  /** One line of the server's own output (a started server, the container, log-file), raw, as it arrives. */
  serverLine?(source: string, line: string): void;
  finish(result: PreflightResult, extras: SummaryExtras): Promise<void>;
  /** Bad input: one line per problem, naming the input. */
  rejectInput(problems: InputProblem[]): void;
  /** A bug in llm-preflight itself. */
  internalError(error: unknown): void;
}

/**
 * Surfaces name inputs differently: `timeout` in a workflow, `--timeout` on the command line. The bad value is
 * a value from outside: redacted at the edge before it is cut to length (cutting first could leave half a
 * secret that no longer matches).
 */
export function describeProblem(p: InputProblem, surface: 'action' | 'cli'): Text {
  const got = quote(p.got, INPUT_ECHO_MAX_CHARS);
  // The message may repeat part of the value (base-url's "for example http://<what you wrote>"): a value too.
  const message = quote(p.message);
  if (surface === 'action')
    return text`Input '${ours(p.input)}' ${message}; got "${got}". For example: ${ours(p.input)}: ${ours(p.example)}`;
  return p.variable
    ? text`${ours(p.variable)} ${message}; got "${got}". For example: ${ours(p.variable)}=${ours(p.example)}`
    : text`--${ours(p.input)} ${message}; got "${got}". For example: --${ours(p.input)} ${ours(p.example)}`;
}
