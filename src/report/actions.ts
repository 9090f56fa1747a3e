// Not @actions/core: see runner-commands.ts for why, and its test for the proof that the output is the same.
import * as core from './runner/runner-commands.js';
import type { InputProblem } from '../config/schema.js';
import type { Redactor } from '../redact.js';
import { MAX_WARNING_ANNOTATIONS } from '../limits.js';
import { StepAnnotations } from './actions/annotations.js';
import { ActionsLiveLog } from './actions/live-log.js';
import { writeJobSummary } from './actions/job-summary.js';
import { setResultOutputs } from './actions/outputs.js';
import { internalError, rejectInput } from './actions/problems.js';
import { reportNotReady, reportReady } from './actions/verdict.js';
import { presentEvidence, presentExtras, presentResult, presentText } from './present.js';
import { ProgressLines } from './progress-line.js';
import type { Reporter } from './reporter.js';
import { STATE } from './runner/state.js';
import { inertLine } from './text.js';
import { statSync } from 'node:fs';

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
  const annotations = new StepAnnotations(env);
  const masked = new Set<string>();
  const live = new ActionsLiveLog(redact);
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
    serverLeftBehind(left) {
      if (left.kind === 'container') core.saveState(STATE.containerId, left.id);
      else core.saveState(STATE.leftPids, left.pids.join(','));
    },
    serverLine: (source, line) => live.line(source, line),
    progress(p) {
      const line = lines.next(p.endpoint, presentEvidence(p.evidence, redact()), p.timeoutMs);
      if (!line) return;
      live.close();
      core.info(inertLine(line));
    },
    async finish(rawResult, rawExtras) {
      live.end();
      if (rawExtras.logFile) saveLogOffset(rawExtras.logFile);
      // Presented once at the edge (present.ts); lines that reach the log are made inert on top.
      const result = presentResult(rawResult, redact());
      const extras = presentExtras(rawExtras, redact());
      setResultOutputs(result, extras);
      for (const warning of result.warnings.slice(0, MAX_WARNING_ANNOTATIONS))
        await annotations.warning(inertLine(warning), 'llm-preflight');
      if (result.ready) reportReady(result, extras, env);
      else await reportNotReady(result, extras, annotations);
      await writeJobSummary(env, result, extras);
    },
    rejectInput: (problems) => rejectInput(problems, annotations, redact()),
    internalError: (error) => internalError(error, redact()),
  };
}

/** How much of the server log this step has read and shown: the post step starts from there. */
function saveLogOffset(logFile: string): void {
  try {
    core.saveState(STATE.logOffset, String(statSync(logFile).size));
  } catch {
    // No offset: the post step shows the log's last lines, as it would after a step that was killed.
  }
}
