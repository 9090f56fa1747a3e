/**
 * The wait policy: a pure function of how long we have waited and what the last attempt saw.
 *
 * Why these numbers (measured by bench/, scenarios 1 and 2): the job should go on within ~100 ms of the server
 * becoming ready, and a loading server must never see more than 10 requests a second. So: 100 ms gaps for the
 * first 5 s, when small models on llama.cpp or Ollama come up (half of wait-on's 250 ms poll: the job goes on
 * about 75 ms sooner), then a climb to a 250 ms ceiling by 15 s. The ceiling is wait-on's own interval: on a
 * long load we never send more than the tool users would otherwise run (4 a second), and never wait longer
 * between looks. An earlier 500 ms ceiling, reached after a minute of 10-a-second polling, sent more requests
 * than wait-on on a 60 s load and still went on ~170 ms after it. Refused connections cost the server nothing
 * (no process is listening), so those are retried twice as often.
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
  maxGapMs: 250,
  fastPhaseMs: 5_000,
  rampEndMs: 15_000,
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
