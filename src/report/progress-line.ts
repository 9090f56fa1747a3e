import type { Progress } from '../engine/preflight.js';
import { describe, formatAt } from './markdown.js';

/**
 * Turns the stream of evidence into lines worth printing: one when the outcome changes, not one per attempt,
 * so a ten-minute wait prints a handful of lines rather than thousands.
 */
export class ProgressLines {
  private last = new Map<string, string>();

  next(p: Progress): string | undefined {
    const { what, result } = describe(p.evidence);
    const key = p.endpoint + ' ' + what;
    const state = result.replace(/\d+(\.\d+)? ?m?s\b/g, '');
    if (this.last.get(key) === state) return undefined;
    this.last.set(key, state);
    return `[${formatAt(p.evidence.atMs)}] ${what}: ${result}`;
  }
}
