import * as core from '@actions/core';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputProblem } from '../config/schema.js';
import type { Progress } from '../preflight.js';
import type { Redactor } from '../redact.js';
import type { PreflightResult } from '../types.js';
import { locateStepLine, workflowFileFromRef, type StepLocation } from '../workflow-locate.js';
import { STATE } from './actions-state.js';
import { renderSummary, type SummaryExtras } from './markdown.js';
import { ProgressLines } from './progress-line.js';
import { describeProblem, type Reporter } from './reporter.js';
import { MAX_WARNING_ANNOTATIONS } from '../limits.js';

/** The only place that talks to the runner: annotations, summary, outputs, state, masks. */
export function createActionsReporter(
  env: Record<string, string | undefined>,
  redact: () => Redactor,
): Reporter {
  const lines = new ProgressLines();
  const location = (): StepLocation | undefined => locateThisStep(env);
  const annotationProps = (title: string): core.AnnotationProperties => {
    const where = location();
    return where ? { title, file: where.file, startLine: where.line } : { title };
  };

  return {
    maskSecrets(secrets) {
      for (const secret of secrets) if (secret.trim() !== '') core.setSecret(secret);
    },
    begin(description) {
      core.info(redact()(description));
    },
    progress(p) {
      const line = lines.next(p);
      if (line) core.info(safeLine(redact()(line)));
    },
    async finish(result, extras) {
      const r = (text: string) => defang(redact()(text));
      const first = result.endpoints[0];
      core.setOutput('ready', String(result.ready));
      core.setOutput('cause', result.ready ? '' : (result.finding?.cause ?? ''));
      core.setOutput('base-url', first?.baseUrl ?? '');
      core.setOutput('server', first?.server ?? 'unknown');
      core.setOutput('server-version', first?.serverVersion ?? '');
      core.setOutput('models', JSON.stringify(first?.models ?? []));
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
      if (result.startedPid !== undefined) core.saveState(STATE.serverPid, String(result.startedPid));
      if (extras.logFile) core.saveState(STATE.logFile, extras.logFile);

      for (const warning of result.warnings.slice(0, MAX_WARNING_ANNOTATIONS))
        core.warning(r(warning), annotationProps('llm-preflight'));

      if (result.ready) {
        const e = first!;
        if (extras.exportEnv) {
          // OpenAI SDKs read OPENAI_BASE_URL (v1+) or OPENAI_API_BASE (older clients, LangChain).
          core.exportVariable('OPENAI_BASE_URL', e.baseUrl);
          core.exportVariable('OPENAI_API_BASE', e.baseUrl);
        }
        core.info(
          `LLM server ready: ${e.baseUrl} (${e.server}${e.serverVersion ? ' ' + e.serverVersion : ''}), ${e.models.length} model(s), ${result.elapsedMs} ms`,
        );
      } else if (result.finding) {
        const f = result.finding;
        // One error annotation, on the step's line: the title is the cause id users can search for.
        core.error(r(`${f.summary} Fix: ${f.hint}`), annotationProps(f.cause));
        process.exitCode = 1;
      }
      if (!result.ready) printLogTails(extras.tails);
      if (env.GITHUB_STEP_SUMMARY) {
        try {
          await core.summary.addRaw(r(renderSummary(result, extras))).write();
        } catch (error) {
          core.warning(`Could not write the job summary: ${r(String(error))}`);
        }
      }
    },
    rejectInput(problems: InputProblem[]) {
      const r = redact();
      for (const p of problems) core.error(r(describeProblem(p, 'action')), annotationProps('invalid-input'));
      core.setOutput('ready', 'false');
      core.setOutput('cause', 'invalid-input');
      process.exitCode = 1;
    },
    internalError(error) {
      core.debug(error instanceof Error && error.stack ? redact()(error.stack) : String(error));
      core.error(
        redact()(
          `Internal error in llm-preflight: ${error instanceof Error ? error.message : String(error)}. Please report it.`,
        ),
        { title: 'internal-error' },
      );
      process.exitCode = 1;
    },
  };
}

/** Server log lines could hold workflow commands: print them with command processing stopped. */
export function printLogTails(tails: Array<{ source: string; lines: string[] }>): void {
  for (const tail of tails) {
    if (!tail.lines.length) continue;
    core.startGroup(`Last lines of ${tail.source}`);
    const token = randomUUID();
    process.stdout.write(`::stop-commands::${token}\n`);
    try {
      for (const line of tail.lines.slice(-30)) process.stdout.write(`│ ${line}\n`);
    } finally {
      process.stdout.write(`::${token}::\n`);
      core.endGroup();
    }
  }
}

/** The runner reads `##[command]` anywhere in a line; break the marker in text we did not write. */
function defang(text: string): string {
  return text.replace(/##\[/g, '#\u200b#[');
}

/** A progress line is ours, but it quotes server text: keep it from being read as a command. */
function safeLine(line: string): string {
  return line.replace(/^(\s*)::/, '$1: :').replace(/##\[/g, '#\u200b#[');
}

function locateThisStep(env: Record<string, string | undefined>): StepLocation | undefined {
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
