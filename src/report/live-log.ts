import { LIVE_LOG_LINES_PER_WINDOW, LIVE_LOG_MAX_LINES, LIVE_LOG_WINDOW_MS } from '../limits.js';

/**
 * Which of a server's lines are echoed live: a start-up that prints thousands of lines (a download bar per
 * file, a crash loop) must not bury the job log. Lines past the bound are counted, and the count is said once,
 * before the next line shown or at the end.
 */
export class LiveLogLimiter {
  private windowStartMs = -Infinity;
  private inWindow = 0;
  private shown = 0;
  private held = 0;

  constructor(private readonly now: () => number) {}

  /** What to print for this line: the marker for lines held back before it, then the line; nothing when over. */
  admit(line: string): string[] {
    const nowMs = this.now();
    if (nowMs - this.windowStartMs >= LIVE_LOG_WINDOW_MS) {
      this.windowStartMs = nowMs;
      this.inWindow = 0;
    }
    if (this.inWindow >= LIVE_LOG_LINES_PER_WINDOW || this.shown >= LIVE_LOG_MAX_LINES) {
      this.held++;
      return [];
    }
    this.inWindow++;
    this.shown++;
    return [...this.heldMarker(), line];
  }

  /** "… 12 lines not shown", once, when some were held back since the last line shown. */
  heldMarker(): string[] {
    if (this.held === 0) return [];
    const count = this.held;
    this.held = 0;
    return [`… ${count} line${count === 1 ? '' : 's'} not shown`];
  }
}
