import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, nextDelayMs } from '../../src/engine/backoff.js';

describe('wait policy', () => {
  it.each([
    { name: 'early, loading', elapsed: 1_000, remaining: 60_000, refused: false, delay: 100 },
    { name: 'early, refused', elapsed: 1_000, remaining: 60_000, refused: true, delay: 50 },
    { name: 'mid-ramp', elapsed: 10_000, remaining: 60_000, refused: false, delay: 175 },
    { name: 'long wait is capped', elapsed: 600_000, remaining: 60_000, refused: false, delay: 250 },
    { name: 'never past the deadline', elapsed: 1_000, remaining: 30, refused: false, delay: 30 },
    { name: 'deadline passed', elapsed: 1_000, remaining: 0, refused: false, delay: 'stop' },
  ])('$name', ({ elapsed, remaining, refused, delay }) => {
    expect(nextDelayMs(elapsed, remaining, refused)).toBe(delay);
  });

  it('never sends a loading server more than 10 requests a second, and never waits more than the cap', () => {
    for (let elapsed = 0; elapsed < 3_600_000; elapsed += 997) {
      const delay = nextDelayMs(elapsed, 10_000_000, false) as number;
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxGapMs);
    }
  });
});
