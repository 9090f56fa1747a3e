import type { ServerKind } from '../causes.js';
import { LOG_LINE_KEEP_CHARS, LOG_RING_LINES } from '../limits.js';
import { keepChars } from '../text.js';
import { matchLogLine, readyLogMatches } from '../servers/index.js';
import { matchPhaseLine } from '../servers/phases.js';
import { lineShape, logMessage } from './log-line-shape.js';
import type { Evidence } from '../types.js';

/** A crash loop prints the same error thousands of times; the first matching lines say it all. */
export const LOG_EVIDENCE_MAX_LINES = 50;
/**
 * Error-shaped lines without a signature kept as evidence: a traceback-heavy start-up log prints dozens, and
 * the decisive one is near the end of the first failure, so this is larger than the signature budget.
 */
export const LOG_SHAPED_MAX_LINES = 200;
/**
 * How long a generic line ("Engine core initialization failed", TGI "Error: DownloadError") waits for the
 * specific one that explains it. Tracebacks are written in one burst, but a container's log is read once a
 * second, so this is longer than one container poll: a traceback split across two reads still puts its
 * root cause first. A started process that exits releases the wait at once.
 */
export const GENERIC_LINE_GRACE_MS = 1_500;
/** A writer that never prints a newline must not grow the pending buffer without bound. */
const PARTIAL_LINE_MAX_CHARS = LOG_LINE_KEEP_CHARS * 2;

// CSI (colours, cursor moves), OSC (titles, hyperlinks; ended by BEL or ST) and the other two-byte escapes.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
// Control characters left after the escapes are gone (tab stays: it is how tracebacks indent).
// oxlint-disable-next-line no-control-regex -- as above
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/**
 * One raw log line made readable, still raw: terminal escapes stripped, only the last frame of a carriage-return
 * progress bar kept, control characters gone, length bounded with a cut mark (text.ts keepChars). Secrets are
 * left in: signatures match the server's own words, and the edge redacts before it cuts to display length
 * (report/text.ts shownLogLine).
 */
export function cleanLogLine(raw: string): string {
  const withoutAnsi = raw.replace(ANSI, '');
  const lastFrame =
    withoutAnsi
      .split('\r')
      .filter((part) => part.trim() !== '')
      .at(-1) ?? '';
  return keepChars(lastFrame.replace(CONTROL, '').trimEnd(), LOG_LINE_KEEP_CHARS);
}

/** A line of Python source that a traceback quotes ("raise ValueError(...)", 'File "x.py", line 3'). */
function isQuotedCode(line: string): boolean {
  return /^(?:raise |File ")/.test(logMessage(line).text);
}

/**
 * Reads a server's log as it grows: splits it into lines, keeps the last ones, and turns lines that match a
 * known signature into evidence. Pure apart from the callbacks and one timer (see GENERIC_LINE_GRACE_MS);
 * the tailers feed it chunks.
 */
export class LogReader {
  private partial = '';
  /** Set after a jump into the middle of a file: the text up to the next newline is half a line. */
  private skippingToNewline = false;
  private readonly ring: string[] = [];
  private matched = 0;
  private shapedCount = 0;
  /** A fatal line has gone out: later generic lines are context, not the cause. */
  private decided = false;
  private pending: Array<Extract<Evidence, { kind: 'log' }>> = [];
  private pendingTimer: NodeJS.Timeout | undefined;
  /** Each clean line as it is read, for the live echo of the server's output (raw: the edge redacts it). */
  onLine: ((line: string) => void) | undefined;

  constructor(
    private readonly source: string,
    private readonly kind: ServerKind | undefined,
    private readonly emit: (ev: Evidence) => void,
    private readonly onReady: () => void,
    private readonly at: () => number,
  ) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.skippingToNewline) {
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      text = text.slice(newline + 1);
      this.skippingToNewline = false;
    }
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > PARTIAL_LINE_MAX_CHARS) {
      lines.push(this.partial);
      // The rest of this line is no line of its own: read as one, it would begin with the second half of
      // whatever the cut went through (a token), which no pattern and no known value can recognise.
      this.skipToNextLine();
    }
    for (const line of lines) this.line(line);
  }

  /** The reader lost its place (bytes skipped or the file replaced): drop the half line it holds. */
  skipToNextLine(): void {
    this.partial = '';
    this.skippingToNewline = true;
  }

  /** The writer is done (or we stop reading): take the unfinished last line and settle generic lines now. */
  flush(): void {
    if (this.partial && !this.skippingToNewline) this.line(this.partial);
    this.partial = '';
    this.releasePending();
  }

  tail(): string[] {
    return [...this.ring];
  }

  private line(raw: string): void {
    const line = cleanLogLine(raw);
    if (line.trim() === '') return;
    this.ring.push(line);
    if (this.ring.length > LOG_RING_LINES) this.ring.shift();
    this.onLine?.(line);
    // A traceback quotes the source line that raised ("raise RuntimeError(...)"): the exception line after it
    // is the server's message, and must be the one that decides and is quoted.
    const signature = isQuotedCode(line) ? undefined : matchLogLine(line, this.kind);
    if (signature && this.matched < LOG_EVIDENCE_MAX_LINES) {
      this.matched++;
      const fatal = signature.fatal !== false;
      const ev: Extract<Evidence, { kind: 'log' }> = {
        kind: 'log',
        atMs: this.at(),
        source: this.source,
        line,
        cause: signature.cause,
        hint: signature.hint,
        fatal,
        ...(signature.generic ? { generic: true } : {}),
      };
      if (fatal && signature.generic) {
        this.hold(ev);
      } else {
        if (fatal) this.decided = true;
        this.emit(ev);
      }
    } else if (!signature) this.shaped(line);
    const phase = matchPhaseLine(line, this.kind);
    if (phase) this.emit({ kind: 'phase', atMs: this.at(), source: this.source, line, ...phase });
    if (readyLogMatches(line, this.kind)) this.onReady();
  }

  /**
   * A line no signature knows but whose shape says "error" (an exception line, a panic, a usage error) is kept
   * as evidence without a cause: if the server then dies unexplained, diagnosis quotes the last such line.
   */
  private shaped(line: string): void {
    if (this.shapedCount >= LOG_SHAPED_MAX_LINES) return;
    const shape = lineShape(logMessage(line));
    if (!shape) return;
    this.shapedCount++;
    this.emit({ kind: 'log', atMs: this.at(), source: this.source, line, shape });
  }

  /**
   * A generic line is held back for a moment: the specific line that explains it (printed just before or
   * just after) must be the evidence that settles the wait, not the wrapper.
   */
  private hold(ev: Extract<Evidence, { kind: 'log' }>): void {
    this.pending.push(ev);
    if (this.pendingTimer) return;
    this.pendingTimer = setTimeout(() => this.releasePending(), GENERIC_LINE_GRACE_MS);
    this.pendingTimer.unref();
  }

  private releasePending(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
    const pending = this.pending;
    this.pending = [];
    for (const ev of pending) {
      // Explained by a specific line already: kept as context, but it no longer decides anything.
      this.emit({ ...ev, atMs: this.at(), fatal: !this.decided });
      this.decided = true;
    }
  }
}
