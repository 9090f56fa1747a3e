import type { Progress, Evidence } from '../types.js';
import type { EvidenceSources } from '../evidence/sources.js';
import type { Prober } from '../net/probe.js';
import type { Waker } from './waker.js';

export type { Progress } from '../types.js';

export interface PreflightDeps {
  env: Record<string, string | undefined>;
  /** Aborts the wait (job cancelled, Ctrl-C). */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Started by the entry point (supervise.ts): logs, process exits and container states as evidence. */
  sources?: EvidenceSources;
  /** Milliseconds on a monotonic clock. */
  now?: () => number;
  /** host:port of endpoints that already accepted connections before `start` ran. */
  busyBeforeStart?: string[];
  /** The well-known ports looked at when base-url refuses (stages/surroundings.ts); tests name their own. */
  neighbourPorts?: readonly number[];
  /** Whether this runs in a container job; looked up on this machine when absent (tests say). */
  inContainerJob?: boolean;
}

/** What every endpoint of one run shares: one clock and deadline, one waker, one prober, the sources' evidence. */
export interface RunContext extends PreflightDeps {
  now: () => number;
  startedAt: number;
  deadline: number;
  waker: Waker;
  prober: Prober;
  /** Evidence from the supervisor, shared by all endpoints. */
  shared: Evidence[];
}
