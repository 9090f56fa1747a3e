import type { Cause } from '../causes.js';
import { FINDING_LOG_LINES, FINDING_MAX_EVIDENCE } from '../limits.js';
import type { Text } from '../text.js';
import type { Evidence, Finding } from '../types.js';

/** A finding that names `C`: the explainer map is typed with it, so each explainer gives its own cause. */
export type FindingOf<C extends Cause> = Finding & { cause: C };

export function finding<C extends Cause>(
  cause: C,
  summary: Text,
  hint: Text,
  evidence: Evidence[],
): FindingOf<C> {
  const unique = [...new Set(evidence)];
  return { cause, summary, hint, evidence: unique.slice(0, FINDING_MAX_EVIDENCE) };
}

export function lastOf<K extends Evidence['kind']>(
  evidence: readonly Evidence[],
  kind: K,
): Extract<Evidence, { kind: K }> | undefined {
  for (let i = evidence.length - 1; i >= 0; i--) {
    const e = evidence[i]!;
    if (e.kind === kind) return e as Extract<Evidence, { kind: K }>;
  }
  return undefined;
}

export function allOf<K extends Evidence['kind']>(
  evidence: readonly Evidence[],
  kind: K,
): Extract<Evidence, { kind: K }>[] {
  return evidence.filter((e): e is Extract<Evidence, { kind: K }> => e.kind === kind);
}

/** The last log lines, shown with a finding so the reader sees what the server said just before. */
export function logsAround(evidence: readonly Evidence[]): Evidence[] {
  return allOf(evidence, 'log').slice(-FINDING_LOG_LINES);
}
