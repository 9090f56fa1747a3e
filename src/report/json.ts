import type { InputProblem } from '../config/schema.js';
import type { Redactor } from '../redact.js';
import { text } from '../text.js';
import { presentExtras, presentResult, presentText, type ShownExtras, type ShownResult } from './present.js';
import { describeProblem, type Reporter } from './reporter.js';
import { startupOutput, type StartupProfile } from '../servers/phases.js';
import { endpointStartup } from './startup.js';

export interface JsonReport {
  ready: boolean;
  cause: string | null;
  summary: string | null;
  hint: string | null;
  evidence: unknown[];
  base_url: string | null;
  server: string;
  server_version: string | null;
  models: string[];
  elapsed_ms: number;
  ttft_ms: number | null;
  log_file: string | null;
  endpoints: unknown[];
  timeline: unknown[];
  warnings: string[];
  log_tail: Array<{ source: string; lines: string[] }>;
  /** Where the start-up time went: phase → ms, with `other` for the rest (servers/phases.ts). */
  startup: Record<string, number>;
  startup_profile: StartupProfile | null;
}

export function toJsonReport(result: ShownResult, extras: ShownExtras): JsonReport {
  const first = result.endpoints[0];
  const profile = endpointStartup(first);
  return {
    ready: result.ready,
    cause: result.ready ? null : (result.finding?.cause ?? null),
    summary: result.finding?.summary ?? null,
    hint: result.finding?.hint ?? null,
    evidence: result.finding?.evidence ?? [],
    base_url: first?.baseUrl ?? null,
    server: first?.server ?? 'unknown',
    server_version: first?.serverVersion ?? null,
    models: first?.models ?? [],
    elapsed_ms: result.elapsedMs,
    ttft_ms: first?.smoke.find((s) => s.ttftMs !== undefined)?.ttftMs ?? null,
    log_file: extras.logFile ?? null,
    endpoints: result.endpoints.map((e) => ({
      url: e.baseUrl,
      ready: e.ready,
      cause: e.finding?.cause ?? null,
      server: e.server,
      server_version: e.serverVersion ?? null,
      models: e.models,
      smoke: e.smoke,
      elapsed_ms: e.elapsedMs,
    })),
    timeline: result.endpoints.flatMap((e) => e.timeline.map((ev) => ({ endpoint: e.baseUrl, ...ev }))),
    warnings: result.warnings,
    log_tail: extras.tails,
    startup: startupOutput(profile),
    startup_profile: profile ?? null,
  };
}

/** Exactly one JSON document on stdout, nothing else there; human notes go to stderr. */
export function createJsonReporter(
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown },
  redact: () => Redactor,
): Reporter {
  return {
    maskSecrets() {},
    begin() {},
    progress() {},
    serverStarted() {},
    serverLeftBehind() {},
    async finish(result, extras) {
      // Every value is redacted on its own, so the document always parses and keeps its ids (keepVocabulary).
      stdout.write(jsonLine(toJsonReport(presentResult(result, redact()), presentExtras(extras, redact()))));
    },
    rejectInput(problems: InputProblem[]) {
      const messages = problems.map((p) => presentText(describeProblem(p, 'cli'), redact()));
      stdout.write(
        jsonLine({
          ready: false,
          cause: 'invalid-input',
          summary: messages.join(' '),
          problems: messages,
        }),
      );
    },
    internalError(error) {
      stderr.write(
        presentText(
          text`llm-preflight: internal error: ${error instanceof Error ? error.message : String(error)}`,
          redact(),
        ) + '\n',
      );
      stdout.write(jsonLine({ ready: false, cause: 'internal-error' }));
    },
  };
}

/**
 * One JSON document on one line. The runner reads `##[` anywhere in a line of a `run:` step's output as a
 * command; `\u005b` is the same "[" to a JSON parser and nothing to the runner.
 */
export function jsonLine(document: unknown): string {
  return JSON.stringify(document).replace(/##\[/g, '##\\u005b') + '\n';
}
