import { STATUS_LINE_MAX_CHARS } from '../limits.js';
import { describe, formatAt } from './describe.js';
import type { ShownEvidence } from './present.js';
import { inertLine } from './text.js';

export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * What the terminal reporter writes: whole lines, and on a TTY a live status line with the latest attempt,
 * rewritten in place, so a long wait shows it is alive without a line per attempt.
 */
export class TerminalLines {
  private statusShown = false;
  private readonly tty: boolean;

  constructor(private readonly stream: TerminalStream) {
    this.tty = stream.isTTY === true;
  }

  /**
   * A line already presented at the edge (present.ts), printed as one line: a line break in a server's text
   * must not forge a line of ours ("✔ ready"), and the CLI may itself run in an Actions step, where `::` and
   * `##[` in its output are workflow commands.
   */
  print(line: string): void {
    this.clearStatus();
    this.stream.write(inertLine(line) + '\n');
  }

  /** Only on a TTY: anywhere else the rewrites would pile up as one long line. */
  showStatus(evidence: ShownEvidence): void {
    if (!this.tty) return;
    const { what, result } = describe(evidence);
    this.clearStatus();
    const status = inertLine(`  … ${formatAt(evidence.atMs)} ${what}: ${result}`);
    this.stream.write(status.slice(0, STATUS_LINE_MAX_CHARS));
    this.statusShown = true;
  }

  clearStatus(): void {
    if (this.statusShown) this.stream.write('\r\x1b[2K');
    this.statusShown = false;
  }
}
