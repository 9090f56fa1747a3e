// Every pattern that runs over text from outside (a server's body, headers and log, a user's input) must take
// time linear in the text: a megabyte of crafted text may cost a moment, never minutes. There is no timed
// assertion here: a super-linear pattern over these inputs runs for minutes and fails by the test timeout.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestampedLines } from '../../src/evidence/container.js';
import { cleanLogLine } from '../../src/evidence/log-reader.js';
import { createRedactor, secretsInText } from '../../src/redact.js';
import { matchLogLine, PROFILES, readyLogMatches, signaturesFor } from '../../src/servers/index.js';

const MEGABYTE = 1024 * 1024;

/**
 * The shapes that make backtracking patterns blow up: a short unit, made of the characters patterns look for
 * (scheme and URL punctuation, key words, quotes, spaces, digits), repeated to a megabyte with no match at its end.
 */
const KNOWN_SHAPES = [
  ...['a.', 'a-', 'a:', 'a ', ' ', '\t', ':/', 'x://a:', 'a@', '"a', "'", '=', '%', 'a/', '0.'],
  ...['token ', 'Bearer ', 'hf_', 'sk-', 'api_key=', 'key: ', '?token=', 'Error: ', 'ERROR ', '::'],
];
/** Every known shape is tried first (as fast-check examples), then random short units. */
const unit = fc.oneof(
  fc.constantFrom(...KNOWN_SHAPES),
  fc.string({ unit: fc.constantFrom(...'aZ0 .:/-_@="\'\t%?&[]{}()\\'), minLength: 1, maxLength: 6 }),
);
const megabyteOf = (u: string) => u.repeat(Math.ceil(MEGABYTE / u.length)).slice(0, MEGABYTE);
const RUNS = { numRuns: 4, examples: KNOWN_SHAPES.map((shape) => [shape] as [string]) };

describe('patterns over a megabyte of crafted text finish (linear time)', () => {
  it('the redactor: known secrets and every secret pattern', () => {
    const redact = createRedactor(['secret-value-1234', 'ollama']);
    fc.assert(
      fc.property(unit, (u) => {
        expect(typeof redact(megabyteOf(u) + '://x')).toBe('string');
      }),
      RUNS,
    );
  });

  it('secrets written in a URL input', () => {
    fc.assert(
      fc.property(unit, (u) => {
        expect(Array.isArray(secretsInText(megabyteOf(u)))).toBe(true);
      }),
      RUNS,
    );
  });

  it('every log signature and ready line, of every server kind', () => {
    const patterns = [
      ...signaturesFor(undefined).map((s) => s.pattern),
      ...Object.values(PROFILES).flatMap((p) => p.readyLog),
    ];
    expect(patterns.length).toBeGreaterThan(20);
    fc.assert(
      fc.property(unit, (u) => {
        const text = megabyteOf(u);
        for (const pattern of patterns) pattern.test(text);
        expect(matchLogLine(text, undefined)).not.toBe(null);
        expect(typeof readyLogMatches(text, undefined)).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('cleaning a log line (escapes, progress frames, control characters)', () => {
    fc.assert(
      fc.property(fc.oneof(unit, fc.constantFrom('\x1b[', '\x1b]', '\x1b]8;;', '\r', '\x1b')), (u) => {
        expect(cleanLogLine(megabyteOf(u)).length).toBeLessThan(MEGABYTE);
      }),
      RUNS,
    );
  });

  it("reading docker's timestamped log lines", () => {
    fc.assert(
      fc.property(fc.oneof(unit, fc.constant('2026-12-01T10:00:00.')), (u) => {
        expect(Array.isArray(parseTimestampedLines(megabyteOf(u) + '\n'))).toBe(true);
      }),
      RUNS,
    );
  });
});
