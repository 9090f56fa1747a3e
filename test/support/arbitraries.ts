import fc from 'fast-check';
import { CAUSES } from '../../src/causes.js';
import { quote, Text } from '../../src/text.js';
import type { Evidence, ProbeResult, Stage } from '../../src/types.js';

/** Any text a user or a server could produce: ASCII, full Unicode (lone surrogates too), control characters. */
export const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('a', ' ', '\n', '\r', '\t', ':', '/', '@', '%', '`', '|', '<', '#', '"', '\\'),
    maxLength: 20,
  }),
);

export const evidenceArb: fc.Arbitrary<Evidence> = (() => {
  const atMs = fc.integer({ min: 0, max: 600_000 });
  const stage = fc.constantFrom<Stage>('health', 'models', 'detect', 'smoke', 'version', 'pull', 'backends');
  const result: fc.Arbitrary<ProbeResult> = fc.oneof(
    fc.record({
      kind: fc.constant('http' as const),
      status: fc.oneof(
        fc.constantFrom(200, 301, 302, 401, 403, 404, 405, 407, 429, 500, 502, 503),
        fc.integer({ min: 100, max: 599 }),
      ),
      headers: fc.dictionary(
        fc.constantFrom('server', 'content-type', 'via', 'x-squid-error', 'location', 'www-authenticate'),
        anyText,
      ),
      body: fc.oneof(anyText, fc.constantFrom('Loading model', '<!DOCTYPE html>', '{"data":[]}', '')),
      truncated: fc.boolean(),
      durationMs: fc.nat(),
      viaProxy: fc.option(anyText, { nil: undefined }),
    }),
    fc.record({
      kind: fc.constant('error' as const),
      code: fc.oneof(
        fc.constantFrom(
          'ECONNREFUSED',
          'ENOTFOUND',
          'EAI_AGAIN',
          'ECONNRESET',
          'TIMEOUT',
          'DEADLINE',
          'TLS',
          'PROXY',
          'BAD_HTTP',
          'EHOSTUNREACH',
          'CONNECT_TIMEOUT',
          'ABORTED',
        ),
        anyText,
      ),
      message: anyText,
      durationMs: fc.nat(),
      viaProxy: fc.option(anyText, { nil: undefined }),
    }),
  ) as fc.Arbitrary<ProbeResult>;
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(
        {
          kind: fc.constant('attempt' as const),
          atMs,
          stage,
          method: fc.constantFrom('GET', 'POST'),
          url: fc.oneof(fc.webUrl(), anyText),
          result,
          problem: fc.option(anyText, { nil: undefined }),
          model: fc.option(anyText, { nil: undefined }),
        },
        { requiredKeys: ['kind', 'atMs', 'stage', 'method', 'url', 'result'] },
      ),
    },
    fc.record(
      {
        kind: fc.constant('log' as const),
        atMs,
        source: anyText,
        line: anyText,
        cause: fc.option(fc.constantFrom(...CAUSES), { nil: undefined }),
        hint: fc.option(anyText, { nil: undefined }),
        fatal: fc.option(fc.boolean(), { nil: undefined }),
      },
      { requiredKeys: ['kind', 'atMs', 'source', 'line'] },
    ),
    fc.record({
      kind: fc.constant('exit' as const),
      atMs,
      code: fc.option(fc.integer(), { nil: null }),
      signal: fc.option(anyText, { nil: null }),
      ended: fc.constantFrom('shell' as const, 'group' as const, 'not-started' as const),
      reason: fc.option(anyText, { nil: undefined }),
    }),
    fc.record({
      kind: fc.constant('container' as const),
      atMs,
      id: anyText,
      status: fc.oneof(fc.constantFrom('running', 'exited', 'dead', 'restarting'), anyText),
      exitCode: fc.option(fc.integer(), { nil: null }),
      oomKilled: fc.boolean(),
      restartCount: fc.nat(),
      health: fc.option(anyText, { nil: null }),
    }),
    fc.record({ kind: fc.constant('models' as const), atMs, served: fc.array(anyText, { maxLength: 15 }) }),
    fc.record(
      {
        kind: fc.constant('backend' as const),
        atMs,
        model: anyText,
        healthy: fc.boolean(),
        error: fc.option(anyText, { nil: undefined }),
      },
      { requiredKeys: ['kind', 'atMs', 'model', 'healthy'] },
    ),
    fc.record(
      {
        kind: fc.constant('pull' as const),
        atMs,
        model: anyText,
        status: anyText,
        percent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        error: fc.option(anyText, { nil: undefined }),
      },
      { requiredKeys: ['kind', 'atMs', 'model', 'status'] },
    ),
    fc.record({ kind: fc.constant('note' as const), atMs, text: anyText.map((t) => new Text([quote(t)])) }),
    fc.record({
      kind: fc.constant('cancelled' as const),
      atMs,
      signal: fc.constantFrom('SIGINT', 'SIGTERM'),
    }),
  ) as fc.Arbitrary<Evidence>;
})();
