import type { ServerKind } from './causes.js';
import { LOG_LINE_MAX_CHARS, LOG_RING_LINES } from './limits.js';
import type { Redactor } from './redact.js';
import { matchLogLine, readyLogMatches } from './servers/index.js';
import type { Evidence } from './types.js';

/** Strips terminal colour codes and carriage-return progress bars, caps the length, masks secrets. */
export function cleanLogLine(raw: string, redact: Redactor): string {
  const withoutAnsi = raw.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
  const lastFrame =
    withoutAnsi
      .split('\r')
      .filter((part) => part.trim() !== '')
      .at(-1) ?? '';
  const capped =
    lastFrame.length > LOG_LINE_MAX_CHARS ? lastFrame.slice(0, LOG_LINE_MAX_CHARS) + '…' : lastFrame;
  return redact(capped.trimEnd());
}

/**
 * Reads a server's log as it grows: splits it into lines, keeps the last ones, and turns lines that match a
 * known signature into evidence. Pure apart from the callbacks; the tailers feed it chunks.
 */
export class LogReader {
  private partial = '';
  private readonly ring: string[] = [];
  private matched = 0;

  constructor(
    private readonly source: string,
    private readonly kind: ServerKind | undefined,
    private readonly redact: Redactor,
    private readonly emit: (ev: Evidence) => void,
    private readonly onReady: () => void,
    private readonly at: () => number,
  ) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    // A server that never prints a newline must not grow this buffer without bound.
    if (this.partial.length > LOG_LINE_MAX_CHARS * 4) {
      lines.push(this.partial);
      this.partial = '';
    }
    for (const line of lines) this.line(line);
  }

  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  tail(): string[] {
    return [...this.ring];
  }

  private line(raw: string): void {
    const line = cleanLogLine(raw, this.redact);
    if (line.trim() === '') return;
    this.ring.push(line);
    if (this.ring.length > LOG_RING_LINES) this.ring.shift();
    const signature = matchLogLine(line, this.kind);
    // Bounded: a crash loop prints the same error thousands of times; the first ones say it all.
    if (signature && this.matched < 50) {
      this.matched++;
      this.emit({
        kind: 'log',
        atMs: this.at(),
        source: this.source,
        line,
        cause: signature.cause,
        hint: signature.hint,
        fatal: signature.fatal !== false,
      });
    }
    if (readyLogMatches(line, this.kind)) this.onReady();
  }
}
