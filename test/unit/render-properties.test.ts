import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/redact.js';
import { renderSummary } from '../../src/report/markdown.js';
import { presentExtras, presentResult, type SummaryExtras } from '../../src/report/present.js';
import { createTerminalReporter } from '../../src/report/terminal.js';
import { inertLine } from '../../src/report/text.js';
import { INVISIBLE, LINE_BREAKS } from '../../src/unicode.js';
import type { PreflightResult } from '../../src/types.js';
import { anyText, evidenceArb } from '../support/arbitraries.js';
import { resultCarrying } from '../support/hostile-result.js';
import { expectSummaryShape } from '../support/summary-shape.js';

// Arbitrary Unicode and control characters through every renderer: the job summary rendered as GitHub
// renders it (GFM), the terminal report and the job log's lines. Each keeps its structure whatever a server
// sends; the named rows in test/unit/summary-structure.test.ts are the defects these properties found.

/** The characters that break renderers, mixed with the Markdown and HTML a server could try to write. */
const breaker = fc.constantFrom(
  ...['\r', '\n', '\r\n', '\u0085', '\u2028', '\u2029', '\u000b', '\u000c', '\u0000', '\u001b', '\u009b'],
  ...['\u202e', '\u2066', '\u2069', '\u200b', '\u200d', '\ufeff', '\u00ad', '\t', '\\', '|', '`', '```'],
  ...['<', '>', '&', '</details>', '<b>', '<!--', '- ', '1. ', '    ', '#', '*', '_', '[', ']', '(', '$'],
  ...['http://', 'www.', '@', '::', '##[', ' ', 'a', 'é', '名', '\ud800', '😀'],
);
const hostileText = fc.oneof(
  anyText,
  fc.array(breaker, { maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

function shownOf(result: PreflightResult, extras: SummaryExtras) {
  const redact = createRedactor([]);
  return { shown: presentResult(result, redact), shownExtras: presentExtras(extras, redact) };
}

/** A failed run with hostile text in every field, and arbitrary evidence in its timeline and finding. */
const hostileRun = fc
  .tuple(
    fc.array(hostileText, { minLength: 100, maxLength: 100 }),
    fc.array(evidenceArb, { maxLength: 12 }),
    fc.array(fc.array(hostileText, { maxLength: 4 }), { maxLength: 2 }),
  )
  .map(([texts, evidence, tails]) => {
    const { result, extras } = resultCarrying((n) => texts[n % texts.length]!);
    const endpoint = result.endpoints[0]!;
    endpoint.timeline = [...endpoint.timeline, ...evidence];
    result.finding!.evidence = [...result.finding!.evidence, ...evidence.slice(0, 5)];
    extras.tails.push(...tails.map((lines, i) => ({ source: texts[i]!, lines })));
    return { result, extras };
  });

describe('the job summary, rendered as GitHub does, over arbitrary Unicode', () => {
  it('only our elements; the rows, cells, items and <details> the result implies; every value as itself', () => {
    fc.assert(
      fc.property(hostileRun, ({ result, extras }) => {
        const { shown, shownExtras } = shownOf(result, extras);
        expectSummaryShape(renderSummary(shown, shownExtras), shown, shownExtras);
      }),
      { numRuns: 60 },
    );
  });

  it('a ready run too: its table and timeline keep their shape', () => {
    fc.assert(
      fc.property(hostileRun, ({ result, extras }) => {
        const ready: PreflightResult = {
          ...result,
          ready: true,
          endpoints: [{ ...result.endpoints[0]!, ready: true }],
        };
        delete ready.finding;
        const { shown, shownExtras } = shownOf(ready, extras);
        expectSummaryShape(renderSummary(shown, shownExtras), shown, shownExtras);
      }),
      { numRuns: 30 },
    );
  });
});

/** Our defang's zero-width space, after `:` or `#`, is the one invisible character a line may hold. */
const withoutDefang = (line: string) => line.replace(/(?<=[:#])\u200b/g, '');

function expectInert(line: string): void {
  expect(line.replace(LINE_BREAKS, '')).toBe(line);
  expect(withoutDefang(line).replace(INVISIBLE, '')).toBe(withoutDefang(line));
  expect(line).not.toMatch(/^\s*::/);
  expect(line).not.toContain('##[');
}

describe('the terminal report and the job log over arbitrary Unicode', () => {
  it('a job-log or annotation line: no line break of any renderer, nothing invisible, no workflow command', () => {
    fc.assert(
      fc.property(hostileText, (text) => expectInert(inertLine(text))),
      { numRuns: 500 },
    );
  });

  it('the terminal report: as many lines as with plain text, each inert, the verdict first', async () => {
    const plain = resultCarrying(() => 'plain text');
    const reference = await terminalReport(plain.result, plain.extras);
    await fc.assert(
      fc.asyncProperty(fc.array(hostileText, { minLength: 100, maxLength: 100 }), async (texts) => {
        const { result, extras } = resultCarrying((n) => texts[n % texts.length]!);
        const lines = await terminalReport(result, extras);
        expect(lines).toHaveLength(reference.length);
        expect(lines[0]).toBe('✘ not ready: out-of-memory');
        for (const line of lines) expectInert(line);
      }),
      { numRuns: 60 },
    );
  });
});

async function terminalReport(result: PreflightResult, extras: SummaryExtras) {
  let out = '';
  await createTerminalReporter({ write: (t: string) => (out += t) }, () => createRedactor([]), {
    quiet: false,
  }).finish(result, extras);
  return out.split('\n');
}
