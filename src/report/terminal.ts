import { formatDuration } from '../config/duration.js';
import type { InputProblem } from '../config/schema.js';
import { STATUS_LINE_MAX_CHARS, TERMINAL_LINES_QUOTED } from '../limits.js';
import type { Redactor } from '../redact.js';
import { text } from '../text.js';
import type { PreflightResult } from '../types.js';
import { describe, endpointNotes, formatAt, timelineRows } from './describe.js';
import { presentEvidence, presentExtras, presentResult, presentText, type SummaryExtras } from './present.js';
import { ProgressLines } from './progress-line.js';
import { describeProblem, type Reporter } from './reporter.js';
import { inertLine } from './text.js';

/**
 * Each print is one line: a line break in a server's text must not forge a line of ours ("✔ ready"), and the
 * CLI may itself run in an Actions step, where `::` and `##[` in its output are workflow commands.
 */
const oneLine = inertLine;

export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Human output on stderr: a live status line on a TTY, plain lines otherwise. */
export function createTerminalReporter(
  stream: TerminalStream,
  redact: () => Redactor,
  options: { quiet: boolean },
): Reporter {
  const lines = new ProgressLines();
  const tty = stream.isTTY === true;
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) stream.write('\r\x1b[2K');
    statusShown = false;
  };
  /** A line already presented at the edge (present.ts): printed as one inert line. */
  const print = (line: string) => {
    clearStatus();
    stream.write(oneLine(line) + '\n');
  };
  return {
    maskSecrets() {
      // Nothing to register in a terminal: every line passes through the redactor instead.
    },
    begin(description) {
      if (!options.quiet) print(presentText(description, redact()));
    },
    serverStarted() {
      // The begin line already names the log file; the CLI leaves the server running, as documented.
    },
    progress(p) {
      if (options.quiet) return;
      const evidence = presentEvidence(p.evidence, redact());
      const line = lines.next(p.endpoint, evidence);
      if (line) print(line);
      else if (tty) {
        const { what, result } = describe(evidence);
        clearStatus();
        const status = oneLine(`  … ${formatAt(evidence.atMs)} ${what}: ${result}`);
        stream.write(status.slice(0, STATUS_LINE_MAX_CHARS));
        statusShown = true;
      }
    },
    async finish(rawResult: PreflightResult, rawExtras: SummaryExtras) {
      clearStatus();
      // Redact the values, not the finished lines: a short key that is an ordinary word ("ollama") must not
      // eat our own words.
      const result = presentResult(rawResult, redact());
      const extras = presentExtras(rawExtras, redact());
      const printReport = print;
      const timeline = () => {
        if (options.quiet) return;
        for (const e of result.endpoints) {
          printReport(`  timeline for ${e.baseUrl}:`);
          for (const row of timelineRows(e.timeline).slice(-TERMINAL_LINES_QUOTED)) {
            printReport(
              `    ${formatAt(row.fromMs)}${row.count > 1 ? `–${formatAt(row.toMs)} ×${row.count}` : ''}  ${row.what}: ${row.result}`,
            );
          }
        }
      };
      if (result.ready) {
        for (const e of result.endpoints) {
          printReport(
            `✔ ready: ${e.baseUrl} (${e.server}${e.serverVersion ? ' ' + e.serverVersion : ''}) in ${formatDuration(e.elapsedMs)}; models: ${e.models.slice(0, 10).join(', ') || '—'}`,
          );
          for (const s of e.smoke)
            printReport(
              `  smoke ${s.model}: ${s.ttftMs !== undefined ? `first token ${s.ttftMs} ms, ` : ''}total ${s.totalMs} ms`,
            );
          for (const note of endpointNotes(e)) printReport(`  ${note}`);
        }
        for (const w of result.warnings) printReport(`! ${w}`);
        timeline();
        return;
      }
      const f = result.finding;
      printReport(`✘ not ready: ${f?.cause ?? 'unknown'}`);
      if (f) {
        printReport(`  ${f.summary}`);
        printReport(`  fix: ${f.hint}`);
      }
      for (const w of result.warnings) printReport(`! ${w}`);
      if (!options.quiet) {
        timeline();
        for (const tail of extras.tails) {
          if (!tail.lines.length) continue;
          printReport(`  last lines of ${tail.source}:`);
          for (const line of tail.lines.slice(-TERMINAL_LINES_QUOTED)) printReport(`    │ ${line}`);
        }
        if (extras.logFile) printReport(`  server log: ${extras.logFile}`);
      }
    },
    rejectInput(problems: InputProblem[]) {
      for (const p of problems)
        print(presentText(text`llm-preflight: ${describeProblem(p, 'cli')}`, redact()));
    },
    internalError(error) {
      print(
        presentText(
          text`llm-preflight: internal error: ${error instanceof Error ? error.message : String(error)}. Please report it.`,
          redact(),
        ),
      );
    },
  };
}
