import { formatDuration } from '../config/duration.js';
import type { InputProblem } from '../config/schema.js';
import type { Progress } from '../preflight.js';
import type { Redactor } from '../redact.js';
import type { PreflightResult } from '../types.js';
import { describe, formatAt, timelineRows, type SummaryExtras } from './markdown.js';
import { ProgressLines } from './progress-line.js';
import { describeProblem, type Reporter } from './reporter.js';

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
  const print = (text: string) => {
    clearStatus();
    stream.write(redact()(text) + '\n');
  };
  return {
    maskSecrets() {
      // Nothing to register in a terminal: every line passes through the redactor instead.
    },
    begin(description) {
      if (!options.quiet) print(description);
    },
    progress(p) {
      if (options.quiet) return;
      const line = lines.next(p);
      if (line) print(line);
      else if (tty) {
        const { what, result } = describe(p.evidence);
        clearStatus();
        stream.write(redact()(`  … ${formatAt(p.evidence.atMs)} ${what}: ${result}`).slice(0, 120));
        statusShown = true;
      }
    },
    async finish(result: PreflightResult, extras: SummaryExtras) {
      clearStatus();
      if (result.ready) {
        for (const e of result.endpoints) {
          print(
            `✔ ready: ${e.baseUrl} (${e.server}${e.serverVersion ? ' ' + e.serverVersion : ''}) in ${formatDuration(e.elapsedMs)}; models: ${e.models.slice(0, 10).join(', ') || '—'}`,
          );
          for (const s of e.smoke)
            print(
              `  smoke ${s.model}: ${s.ttftMs !== undefined ? `first token ${s.ttftMs} ms, ` : ''}total ${s.totalMs} ms`,
            );
        }
        for (const w of result.warnings) print(`! ${w}`);
        if (!options.quiet) {
          for (const e of result.endpoints) {
            print(`  timeline for ${e.baseUrl}:`);
            for (const row of timelineRows(e.timeline).slice(-15)) {
              print(
                `    ${formatAt(row.fromMs)}${row.count > 1 ? `–${formatAt(row.toMs)} ×${row.count}` : ''}  ${row.what}: ${row.result}`,
              );
            }
          }
        }
        return;
      }
      const f = result.finding;
      print(`✘ not ready: ${f?.cause ?? 'unknown'}`);
      if (f) {
        print(`  ${f.summary}`);
        print(`  fix: ${f.hint}`);
      }
      for (const w of result.warnings) print(`! ${w}`);
      if (!options.quiet) {
        for (const e of result.endpoints) {
          print(`  timeline for ${e.baseUrl}:`);
          for (const row of timelineRows(e.timeline).slice(-15)) {
            print(
              `    ${formatAt(row.fromMs)}${row.count > 1 ? `–${formatAt(row.toMs)} ×${row.count}` : ''}  ${row.what}: ${row.result}`,
            );
          }
        }
        for (const tail of extras.tails) {
          if (!tail.lines.length) continue;
          print(`  last lines of ${tail.source}:`);
          for (const line of tail.lines.slice(-15)) print(`    │ ${line}`);
        }
        if (extras.logFile) print(`  server log: ${extras.logFile}`);
      }
    },
    rejectInput(problems: InputProblem[]) {
      for (const p of problems) print(`llm-preflight: ${describeProblem(p, 'cli')}`);
    },
    internalError(error) {
      print(
        `llm-preflight: internal error: ${error instanceof Error ? error.message : String(error)}. Please report it.`,
      );
    },
  };
}
