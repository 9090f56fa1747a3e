/**
 * The wait policy: a pure function of how long we have waited and what the last attempt saw.
 *
 * Why these numbers: the job should go on within ~100 ms of the server becoming ready (a fixed 250 ms poll,
 * wait-on's default, loses ~125 ms on average), yet a loading server must never see more than 10 requests a
 * second. So: 100 ms gaps for the first 10 s, then a slow linear climb to a 500 ms ceiling at 60 s, which keeps
 * a ten-minute vLLM load to ~2 requests a second and the lag after readiness under half a second. Refused
 * connections cost the server nothing (no process is listening), so those are retried twice as often.
 */
export interface BackoffPolicy {
  initialGapMs: number;
  maxGapMs: number;
  /** Gaps stay at initialGapMs until this much time has passed... */
  fastPhaseMs: number;
  /** ...then grow linearly to maxGapMs by this elapsed time. */
  rampEndMs: number;
  /** Multiplier for gaps after a refused connection (nothing listening, so nothing to overload). */
  refusedFactor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialGapMs: 100,
  maxGapMs: 500,
  fastPhaseMs: 10_000,
  rampEndMs: 60_000,
  refusedFactor: 0.5,
};

export function nextDelayMs(
  elapsedMs: number,
  remainingMs: number,
  lastWasRefused: boolean,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number | 'stop' {
  if (remainingMs <= 0) return 'stop';
  let gap = policy.initialGapMs;
  if (elapsedMs > policy.fastPhaseMs) {
    const progress = Math.min(1, (elapsedMs - policy.fastPhaseMs) / (policy.rampEndMs - policy.fastPhaseMs));
    gap = policy.initialGapMs + progress * (policy.maxGapMs - policy.initialGapMs);
  }
  if (lastWasRefused) gap *= policy.refusedFactor;
  // Never sleep past the deadline: one last attempt right at it is still worth making.
  return Math.max(0, Math.min(Math.round(gap), remainingMs));
}
