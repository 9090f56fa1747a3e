// What one contender's run in one round leaves for the report and bench/results/latest.json. Scenarios fill the
// fields their figures need; a run with a problem is listed at the end and left out of the medians.

export interface RunRecord {
  round: number;
  contender: string;
  code: number | null;
  ready: boolean;
  wallMs: number;
  /** Server ready moment → contender exit (scenarios 1, 1b, 2). */
  lagMs?: number;
  loadingRequests?: number;
  loadingRatePerSecond?: number;
  loadingPeakPerSecond?: number;
  requestsAfterReady?: number;
  loadingMs?: number;
  cause?: string;
  /** Crashing server's exit → contender exit (scenario 3). */
  failedAfterExitMs?: number;
  timeoutMs?: number;
  peakRssKb?: number;
  cpuMs?: number;
  problem?: string;
  output?: string;
}

/** The fields a median or maximum is taken of. */
export type FigureField =
  | 'lagMs'
  | 'wallMs'
  | 'loadingRequests'
  | 'loadingRatePerSecond'
  | 'loadingPeakPerSecond'
  | 'failedAfterExitMs'
  | 'peakRssKb'
  | 'cpuMs';

export type Results = Partial<Record<'ready' | 'vllm' | 'llama' | 'long' | 'dead' | 'cold', RunRecord[]>>;
