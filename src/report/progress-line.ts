import { describe, formatAt } from './describe.js';
import type { ShownEvidence } from './present.js';

/**
 * Turns the stream of evidence into lines worth printing: one when the outcome changes, not one per attempt,
 * so a ten-minute wait prints a handful of lines rather than thousands.
 */
export class ProgressLines {
  private last = new Map<string, string>();

  /** `evidence` as it leaves the process (present.ts): the line is printed as it is. */
  next(endpoint: string, evidence: ShownEvidence): string | undefined {
    const { what, result } = describe(evidence);
    const key = endpoint + ' ' + what;
    const state = result.replace(/\d+(\.\d+)? ?m?s\b/g, '');
    if (this.last.get(key) === state) return undefined;
    this.last.set(key, state);
    return `[${formatAt(evidence.atMs)}] ${what}: ${result}`;
  }
}
