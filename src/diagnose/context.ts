import type { ServerKind } from '../causes.js';
import type { Evidence } from '../types.js';

/** What diagnosis knows beyond the evidence: the target, what was asked of it, and where the wait stands. */
export interface DiagnoseContext {
  host: string;
  port: number;
  root: string;
  kind: ServerKind | undefined;
  requiredModels: string[];
  /** Served ids when a model list was read. */
  served?: string[];
  apiKeyGiven: boolean;
  deadlineReached: boolean;
  timeoutMs: number;
  /** True when `start`, `container` or `log-file` feeds evidence: the hints then point at it. */
  watchingLogs: boolean;
  /** Set when the preflight ran inside a job container (service labels resolve there, localhost does not). */
  inContainerJob?: boolean;
}

export type AttemptEvidence = Extract<Evidence, { kind: 'attempt' }>;
export type LogEvidence = Extract<Evidence, { kind: 'log' }>;
export type ExitEvidence = Extract<Evidence, { kind: 'exit' }>;
export type ContainerEvidence = Extract<Evidence, { kind: 'container' }>;
