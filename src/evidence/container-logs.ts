// How a container's followed log is read back in order (container.ts follows it with `docker logs --follow`).

/**
 * Lines from both streams are put back in time order before they are read: a batch is read once no line came
 * for MERGE_QUIET_MS, or MERGE_MAX_MS after its first line, so a lone ready line waits 20 ms at most.
 */
const MERGE_QUIET_MS = 20;
const MERGE_MAX_MS = 100;

/** How far the logs have been read: the newest timestamp seen, and the lines already read at exactly it. */
export interface LogCursor {
  since?: string;
  linesAtSince: Set<string>;
}

/**
 * The entries (in time order) that a follow resumed at `resumedAt` (the cursor when it started) had not read
 * before: --since is inclusive, so lines at exactly that time that were already read come again. Only what
 * was read before the follow counts: within one follow, a line can arrive after a newer one from the other
 * stream, and it is new all the same. Moves the cursor past them.
 */
export function takeUnread(
  cursor: LogCursor,
  entries: Array<{ ts: string; text: string }>,
  resumedAt: LogCursor,
) {
  const { since } = resumedAt;
  const fresh = entries.filter(
    (e) => since === undefined || e.ts > since || (e.ts === since && !resumedAt.linesAtSince.has(e.text)),
  );
  const newest = entries.at(-1)?.ts;
  if (newest !== undefined && (cursor.since === undefined || newest > cursor.since)) {
    cursor.since = newest;
    cursor.linesAtSince = new Set();
  }
  for (const e of entries) if (e.ts === cursor.since) cursor.linesAtSince.add(e.text);
  return fresh;
}

/** `docker logs --timestamps` puts an RFC 3339 time, nanoseconds padded to 9 digits, before each line. */
const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/;

export function parseTimestampedLines(text: string): Array<{ ts: string; text: string }> {
  const lines = text.split('\n');
  // The last piece is empty after a final newline, or half a line from a CLI that ended without one (a
  // stream cut at its bound already ends at a whole line: boundedExec drops the half).
  lines.pop();
  const out: Array<{ ts: string; text: string }> = [];
  for (const line of lines) {
    const m = TIMESTAMPED.exec(line);
    if (m) out.push({ ts: m[1]!, text: m[2]! });
    else if (out.length) out.push({ ts: out.at(-1)!.ts, text: line });
  }
  return out;
}

/**
 * stdout and stderr come down two pipes, so a line can arrive before an older one from the other stream. Lines
 * of one batch are sorted by their timestamps before they are read; a
 * line without one (a continuation) keeps the time of the line before it.
 */
export class TimeOrderedLines {
  private pending: Array<{ ts: string; text: string }> = [];
  private lastTs = '';
  private timer: NodeJS.Timeout | undefined;
  private firstAtMs = 0;

  constructor(private readonly onBatch: (entries: Array<{ ts: string; text: string }>) => void) {}

  add(line: string): void {
    const [entry] = parseTimestampedLines(line + '\n');
    if (entry) this.lastTs = entry.ts;
    this.pending.push(entry ?? { ts: this.lastTs, text: line });
    if (this.pending.length === 1) this.firstAtMs = performance.now();
    clearTimeout(this.timer);
    const waitMs = Math.min(MERGE_QUIET_MS, this.firstAtMs + MERGE_MAX_MS - performance.now());
    this.timer = setTimeout(() => this.flush(), Math.max(0, waitMs));
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    // Array.prototype.sort is stable: lines with the same time keep their order of arrival.
    if (batch.length) this.onBatch(batch.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0)));
  }
}
