import { describe, expect, it } from 'vitest';
import { HEARTBEAT_MS, LIVE_LOG_LINES_PER_WINDOW, LIVE_LOG_WINDOW_MS } from '../../src/limits.js';
import { LiveLogLimiter } from '../../src/report/live-log.js';
import type { ShownEvidence } from '../../src/report/present.js';
import { ProgressLines } from '../../src/report/progress-line.js';

const loading = (atMs: number): ShownEvidence => ({
  kind: 'attempt',
  atMs,
  stage: 'models',
  method: 'GET',
  url: 'http://127.0.0.1:8000/v1/models',
  result: {
    kind: 'http',
    status: 503,
    headers: {},
    body: '{"error":{"message":"Loading model"}}',
    truncated: false,
    durationMs: 1,
  },
});

describe('progress lines: a change of state, and a heartbeat while nothing changes', () => {
  it('a 30 s load polled every 100 ms prints a handful of lines, each heartbeat with the time left', () => {
    const lines = new ProgressLines();
    const printed: string[] = [];
    for (let atMs = 0; atMs <= 30_000; atMs += 100) {
      const line = lines.next('http://127.0.0.1:8000/v1', loading(atMs), 600_000);
      if (line) printed.push(line);
    }
    expect(printed[0]).toMatch(/^\[0\.0 s\] GET \/v1\/models: HTTP 503/);
    expect(printed.slice(1)).toEqual([
      expect.stringMatching(
        /^\[10\.0 s\] still loading: GET \/v1\/models: HTTP 503 .*Loading model.* — 10 s of 10 min$/,
      ),
      expect.stringMatching(/^\[20\.0 s\] still loading: .* — 20 s of 10 min$/),
      expect.stringMatching(/^\[30\.0 s\] still loading: .* — 30 s of 10 min$/),
    ]);
  });

  it('a change of state restarts the heartbeat clock; no heartbeat from anything but an attempt', () => {
    const lines = new ProgressLines();
    const endpoint = 'e';
    expect(lines.next(endpoint, loading(0))).toBeDefined();
    const changed: ShownEvidence = { kind: 'note', atMs: HEARTBEAT_MS - 1, text: 'something new' };
    expect(lines.next(endpoint, changed)).toBeDefined();
    expect(lines.next(endpoint, loading(HEARTBEAT_MS))).toBeUndefined();
    expect(lines.next(endpoint, changed)).toBeUndefined();
    expect(lines.next(endpoint, loading(2 * HEARTBEAT_MS))).toMatch(/still loading: .* — 20 s$/);
  });
});

describe('live server lines: rate-limited with a marker for those not shown', () => {
  it('shows LIVE_LOG_LINES_PER_WINDOW per window, then says how many were held back before the next', () => {
    let nowMs = 0;
    const limiter = new LiveLogLimiter(() => nowMs);
    const shown: string[] = [];
    for (let i = 0; i < LIVE_LOG_LINES_PER_WINDOW + 12; i++) shown.push(...limiter.admit(`line ${i}`));
    expect(shown).toHaveLength(LIVE_LOG_LINES_PER_WINDOW);
    nowMs += LIVE_LOG_WINDOW_MS;
    expect(limiter.admit('next window')).toEqual(['… 12 lines not shown', 'next window']);
    expect(limiter.heldMarker()).toEqual([]);
  });
});
