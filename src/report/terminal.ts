import type { InputProblem } from '../config/schema.js';
import type { Redactor } from '../redact.js';
import { text } from '../text.js';
import { presentEvidence, presentExtras, presentResult, presentText } from './present.js';
import { ProgressLines } from './progress-line.js';
import { describeProblem, type Reporter } from './reporter.js';
import { notReadyReport, readyReport } from './terminal-report.js';
import { TerminalLines, type TerminalStream } from './terminal-status.js';
import { LiveLogLimiter } from './live-log.js';
import { shownLogLine } from './text.js';

/** Human output on stderr: a live status line on a TTY, plain lines otherwise. */
export function createTerminalReporter(
  stream: TerminalStream,
  redact: () => Redactor,
  options: { quiet: boolean },
): Reporter {
  const progressLines = new ProgressLines();
  const out = new TerminalLines(stream);
  const live = new LiveLogLimiter(() => performance.now());
  return {
    maskSecrets() {
      // Nothing to register in a terminal: every line passes through the redactor instead.
    },
    begin(description) {
      if (!options.quiet) out.print(presentText(description, redact()));
    },
    serverStarted() {
      // The begin line already names the log file; the CLI leaves the server running, as documented.
    },
    serverLeftBehind() {
      // Named in the timeline (a note), and left running like any server the CLI started.
    },
    serverLine(_source, line) {
      if (options.quiet) return;
      for (const shown of live.admit(shownLogLine(line, redact()))) out.print(`  │ ${shown}`);
    },
    progress(p) {
      if (options.quiet) return;
      const evidence = presentEvidence(p.evidence, redact());
      const line = progressLines.next(p.endpoint, evidence, p.timeoutMs);
      if (line) out.print(line);
      else out.showStatus(evidence);
    },
    async finish(rawResult, rawExtras) {
      out.clearStatus();
      if (!options.quiet) for (const marker of live.heldMarker()) out.print(`  │ ${marker}`);
      // Redact the values, not the finished lines: a short key that is an ordinary word ("ollama") must not
      // eat our own words.
      const result = presentResult(rawResult, redact());
      const extras = presentExtras(rawExtras, redact());
      const report = result.ready
        ? readyReport(result, options.quiet)
        : notReadyReport(result, extras, options.quiet);
      for (const line of report) out.print(line);
    },
    rejectInput(problems: InputProblem[]) {
      for (const p of problems)
        out.print(presentText(text`llm-preflight: ${describeProblem(p, 'cli')}`, redact()));
    },
    internalError(error) {
      const message = error instanceof Error ? error.message : String(error);
      out.print(presentText(text`llm-preflight: internal error: ${message}. Please report it.`, redact()));
    },
  };
}
