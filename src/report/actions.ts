// Not @actions/core: see runner-commands.ts for why, and its test for the proof that the output is the same.
import * as core from './runner/runner-commands.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputProblem } from '../config/schema.js';
import type { Redactor } from '../redact.js';
import { text } from '../text.js';
import type { StepLocation } from './workflow-locate.js';
import { STATE } from './runner/state.js';
import { renderSummary } from './markdown.js';
import { presentEvidence, presentExtras, presentResult, presentText } from './present.js';
import { ProgressLines } from './progress-line.js';
import { describeProblem, type Reporter } from './reporter.js';
import { inertLine } from './text.js';
import { printLogTails } from './runner/log-tails.js';
import {
  MAX_ERROR_ANNOTATIONS,
  MAX_WARNING_ANNOTATIONS,
  MODELS_OUTPUT_MAX_BYTES,
  SUMMARY_MAX_BYTES,
} from '../limits.js';

export interface ActionsReporter extends Reporter {
  /** Async, unlike the other reporters: the step's line is looked up before the annotations are written. */
  rejectInput(problems: InputProblem[]): Promise<void>;
}

/** The only place that talks to the runner: annotations, summary, outputs, state, masks. */
export function createActionsReporter(
  env: Record<string, string | undefined>,
  redact: () => Redactor,
): ActionsReporter {
  const lines = new ProgressLines();
  let located: Promise<StepLocation | undefined> | undefined;
  const annotationProps = async (title: string): Promise<core.AnnotationProperties> => {
    const where = await (located ??= locateThisStep(env));
    return where ? { title, file: where.file, startLine: where.line } : { title };
  };

  const masked = new Set<string>();
  return {
    maskSecrets(secrets) {
      // core.setSecret escapes the value, so the runner masks a multi-line secret whole and line by line.
      for (const secret of secrets) {
        if (secret.trim() === '' || masked.has(secret)) continue;
        masked.add(secret);
        core.setSecret(secret);
      }
    },
    begin(description) {
      core.info(inertLine(presentText(description, redact())));
    },
    serverStarted(pid, logFile) {
      core.saveState(STATE.serverPid, String(pid));
      if (logFile) core.saveState(STATE.logFile, logFile);
    },
    progress(p) {
      const line = lines.next(p.endpoint, presentEvidence(p.evidence, redact()));
      if (line) core.info(inertLine(line));
    },
    async finish(rawResult, rawExtras) {
      // Presented once at the edge (present.ts); lines that reach the log are made inert on top.
      const result = presentResult(rawResult, redact());
      const extras = presentExtras(rawExtras, redact());
      const r = inertLine;
      const first = result.endpoints[0];
      core.setOutput('ready', String(result.ready));
      core.setOutput('cause', result.ready ? '' : (result.finding?.cause ?? ''));
      core.setOutput('base-url', first?.baseUrl ?? '');
      core.setOutput('server', first?.server ?? 'unknown');
      core.setOutput('server-version', first?.serverVersion ?? '');
      core.setOutput('models', modelsOutput(first?.models ?? []));
      core.setOutput('elapsed-ms', String(result.elapsedMs));
      core.setOutput('log-file', extras.logFile ?? '');
      core.setOutput(
        'ttft-ms',
        first?.smoke.find((s) => s.ok && s.ttftMs !== undefined)?.ttftMs?.toString() ?? '',
      );
      core.setOutput(
        'endpoints',
        JSON.stringify(
          result.endpoints.map((e) => ({
            url: e.baseUrl,
            ready: e.ready,
            cause: e.finding?.cause ?? '',
            server: e.server,
            models: e.models.slice(0, 100),
          })),
        ),
      );

      for (const warning of result.warnings.slice(0, MAX_WARNING_ANNOTATIONS))
        core.warning(r(warning), await annotationProps('llm-preflight'));

      if (result.ready) {
        const e = first!;
        if (extras.exportEnv) {
          // OpenAI SDKs read OPENAI_BASE_URL (v1+) or OPENAI_API_BASE (older clients, LangChain).
          core.exportVariable('OPENAI_BASE_URL', e.baseUrl);
          core.exportVariable('OPENAI_API_BASE', e.baseUrl);
        }
        // The version string is the server's text: a newline in it must not start a workflow command.
        core.info(
          r(
            `LLM server ready: ${e.baseUrl} (${e.server}${e.serverVersion ? ' ' + e.serverVersion : ''}), ${e.models.length} model(s), ${result.elapsedMs} ms`,
          ),
        );
      } else if (result.finding) {
        const f = result.finding;
        // One error annotation, on the step's line: the title is the cause id users can search for.
        core.error(r(`${f.summary} Fix: ${f.hint}`), await annotationProps(f.cause));
      }
      if (!result.ready) printLogTails(extras.tails);
      if (env.GITHUB_STEP_SUMMARY) {
        try {
          await core.summary.addRaw(fitSummary(renderSummary(result, extras))).write();
        } catch (error) {
          core.warning(`Could not write the job summary: ${r(String(error))}`);
        }
      }
    },
    async rejectInput(problems: InputProblem[]) {
      // The runner keeps 10 errors per step: fold any beyond the bound into the last one.
      const lines = problems.map((p) => inertLine(presentText(describeProblem(p, 'action'), redact())));
      const shown = lines.slice(0, MAX_ERROR_ANNOTATIONS - 1);
      if (lines.length >= MAX_ERROR_ANNOTATIONS) shown.push(lines.slice(MAX_ERROR_ANNOTATIONS - 1).join(' '));
      const props = await annotationProps('invalid-input');
      for (const line of shown) core.error(line, props);
      core.setOutput('ready', 'false');
      core.setOutput('cause', 'invalid-input');
    },
    internalError(error) {
      // The stack only at debug level: it helps a bug report, and it is noise in an ordinary log.
      const stack = error instanceof Error && error.stack ? error.stack : String(error);
      core.debug(presentText(text`${stack}`, redact()));
      core.error(
        inertLine(
          presentText(
            text`Internal error in llm-preflight: ${error instanceof Error ? error.message : String(error)}. Please report it.`,
            redact(),
          ),
        ),
        { title: 'internal-error' },
      );
    },
  };
}

/** The `models` output as a JSON array that stays valid: ids beyond the bound are left out, not cut. */
export function modelsOutput(models: readonly string[]): string {
  const kept: string[] = [];
  let bytes = 2;
  for (const id of models) {
    bytes += Buffer.byteLength(JSON.stringify(id)) + 1;
    if (bytes > MODELS_OUTPUT_MAX_BYTES) break;
    kept.push(id);
  }
  if (kept.length < models.length)
    core.info(`The models output lists the first ${kept.length} of ${models.length} model ids.`);
  return JSON.stringify(kept);
}

/**
 * The runner drops a summary over 1 MiB. The renderer keeps it to half of that, and redaction can grow it only
 * a little, so this is a last guard: keep the verdict and table, drop the <details> sections whole.
 */
function fitSummary(text: string): string {
  if (Buffer.byteLength(text) <= SUMMARY_MAX_BYTES * 2 - 1024) return text;
  const head = text.slice(0, Math.max(0, text.indexOf('\n<details')));
  return `${head.slice(0, SUMMARY_MAX_BYTES / 4)}\n\n… (summary cut to stay under the size limit)\n`;
}

/**
 * Loaded on demand: only a warning or a failure needs the step's line, and the YAML parser it takes is a tenth
 * of the bundle, which a ready server's check (the common case) then never parses.
 */
async function locateThisStep(env: Record<string, string | undefined>): Promise<StepLocation | undefined> {
  let locate: typeof import('./workflow-locate.js');
  try {
    locate = await import('./workflow-locate.js');
  } catch {
    // Its chunk is missing from a hand-copied dist/: the annotation still names the cause, just without a line.
    return undefined;
  }
  const { locateStepLine, workflowFileFromRef } = locate;
  const file = workflowFileFromRef(env.GITHUB_WORKFLOW_REF, env.GITHUB_REPOSITORY);
  if (!file || !env.GITHUB_WORKSPACE) return undefined;
  let text: string;
  try {
    text = readFileSync(join(env.GITHUB_WORKSPACE, file), 'utf8');
  } catch {
    return undefined;
  }
  const line = locateStepLine(text, {
    job: env.GITHUB_JOB,
    action: env.GITHUB_ACTION,
    actionRepository: env.GITHUB_ACTION_REPOSITORY,
  });
  return line ? { file, line } : { file, line: 1 };
}
