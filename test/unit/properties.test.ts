import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAUSES, SERVER_KINDS } from '../../src/causes.js';
import { INPUT_NAMES, parseInputs, type InputName, type RawInputs } from '../../src/config/schema.js';
import { settle, type DiagnoseContext } from '../../src/diagnose/index.js';
import { FINDING_MAX_EVIDENCE, SUMMARY_MAX_BYTES } from '../../src/limits.js';
import { createRedactor, keepVocabulary } from '../../src/redact.js';
import { presentExtras, presentResult, type SummaryExtras } from '../../src/report/present.js';
import { plainText, quote, Text } from '../../src/text.js';

/** Secrets this long are not ordinary words: a report may not show them anywhere, not even in our own words. */
const LONG_SECRET_CHARS = 8;
import { toJsonReport } from '../../src/report/json.js';
import { renderRedactedSummary } from '../../src/report/markdown.js';
import { createTerminalReporter } from '../../src/report/terminal.js';
import type { Evidence, PreflightResult } from '../../src/types.js';
import { anyText, evidenceArb } from '../support/arbitraries.js';
import { resultCarrying } from '../support/hostile-result.js';

/** Bounded so the whole file runs in a few seconds on two cores. */
const RUNS = { numRuns: 200 };

// ── arbitraries ────────────────────────────────────────────────────────────────────────────────────────────

/** Strings shaped like the inputs they go to, so the parser is pushed past its first check. */
const urlish = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc
    .tuple(
      fc.constantFrom('http://', 'https://', 'ftp://', '', 'http:/', 'HTTP://'),
      fc.option(fc.tuple(anyText, fc.option(anyText)), { nil: undefined }),
      fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'llm', '', '%', 'h%ZZ', '256.1.1.1'),
      fc.option(fc.oneof(fc.integer({ min: -1, max: 70_000 }).map(String), anyText), { nil: undefined }),
      anyText,
    )
    .map(([scheme, auth, host, port, rest]) => {
      const userinfo = auth ? `${auth[0]}${auth[1] !== undefined ? ':' + auth[1] : ''}@` : '';
      return `${scheme}${userinfo}${host}${port !== undefined ? ':' + port : ''}${rest}`;
    }),
  fc.constantFrom('http://%E0%A4%A@host:8000', 'http://u:%ZZ@h', 'http://a b', 'http://h:8000 = m1, m2'),
);
const durationish = fc.oneof(
  fc.stringMatching(/^\d{0,12}(\.\d{0,3})?(ms|s|m|h)?$/),
  fc.stringMatching(/^(\d+h)?\s*(\d+m)?\s*(\d+s)?\s*(\d+ms)?$/),
  fc.double().map(String),
);
const inputValue = (name: InputName) =>
  name === 'base-url'
    ? fc.oneof(urlish, anyText)
    : ['timeout', 'request-timeout'].includes(name)
      ? fc.oneof(durationish, anyText)
      : anyText;

const contextArb = (deadlineReached: fc.Arbitrary<boolean>): fc.Arbitrary<DiagnoseContext> =>
  fc.record(
    {
      host: fc.oneof(fc.constantFrom('127.0.0.1', 'localhost', 'llm', 'api.example.com'), anyText),
      port: fc.integer({ min: 0, max: 65_535 }),
      root: fc.oneof(fc.webUrl(), anyText),
      kind: fc.option(fc.constantFrom(...SERVER_KINDS), { nil: undefined }),
      requiredModels: fc.array(anyText, { maxLength: 3 }),
      served: fc.option(fc.array(anyText, { maxLength: 15 }), { nil: undefined }),
      apiKeyGiven: fc.boolean(),
      deadlineReached,
      timeoutMs: fc.integer({ min: 1000, max: 21_600_000 }),
      watchingLogs: fc.boolean(),
    },
    {
      requiredKeys: [
        'host',
        'port',
        'root',
        'kind',
        'requiredModels',
        'apiKeyGiven',
        'deadlineReached',
        'timeoutMs',
        'watchingLogs',
      ],
    },
  );

// ── 1. the input parser ────────────────────────────────────────────────────────────────────────────────────

describe('parseInputs over arbitrary strings', () => {
  it.each(INPUT_NAMES.map((name) => ({ name })))(
    '$name: a config, or one problem naming $name; never a throw',
    ({ name }) => {
      fc.assert(
        fc.property(inputValue(name), (value) => {
          const parsed = parseInputs({ [name]: value });
          if (parsed.ok) return;
          expect(parsed.problems).toHaveLength(1);
          expect(parsed.problems[0]!.input).toBe(name);
          expect(parsed.problems[0]!.message.length).toBeGreaterThan(0);
        }),
        RUNS,
      );
    },
  );

  it('every input at once: at most one problem per input, each naming its own', () => {
    const raw = fc.record(
      Object.fromEntries(INPUT_NAMES.map((name) => [name, inputValue(name)])) as Record<
        InputName,
        fc.Arbitrary<string>
      >,
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(raw, (inputs: RawInputs) => {
        const parsed = parseInputs(inputs);
        if (parsed.ok) return;
        const named = parsed.problems.map((p) => p.input);
        expect(new Set(named).size).toBe(named.length);
        for (const input of named) expect(INPUT_NAMES).toContain(input);
      }),
      RUNS,
    );
  });
});

// ── 2. diagnosis ───────────────────────────────────────────────────────────────────────────────────────────

describe('settle over arbitrary timelines', () => {
  it('at the deadline: always exactly one cause from the contract, with a summary and bounded evidence', () => {
    fc.assert(
      fc.property(
        fc.array(evidenceArb, { maxLength: 25 }),
        contextArb(fc.constant(true)),
        (timeline, ctx) => {
          const finding = settle(timeline, ctx);
          expect(finding).toBeDefined();
          expect(CAUSES).toContain(finding!.cause);
          expect(finding!.summary).toBeInstanceOf(Text);
          expect(plainText(finding!.summary).length).toBeGreaterThan(0);
          expect(finding!.evidence.length).toBeLessThanOrEqual(FINDING_MAX_EVIDENCE);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('before the deadline: never throws; a verdict, when there is one, is a contract cause', () => {
    fc.assert(
      fc.property(
        fc.array(evidenceArb, { maxLength: 25 }),
        contextArb(fc.constant(false)),
        (timeline, ctx) => {
          const finding = settle(timeline, ctx);
          if (finding) expect(CAUSES).toContain(finding.cause);
        },
      ),
      RUNS,
    );
  });

  it('a cancellation anywhere in the timeline is the verdict', () => {
    fc.assert(
      fc.property(
        fc.array(evidenceArb, { maxLength: 15 }),
        fc.nat({ max: 15 }),
        contextArb(fc.boolean()),
        (timeline, at, ctx) => {
          const withCancel = [...timeline];
          withCancel.splice(Math.min(at, withCancel.length), 0, {
            kind: 'cancelled',
            atMs: 1,
            signal: 'SIGINT',
          });
          expect(settle(withCancel, ctx)?.cause).toBe('cancelled');
        },
      ),
      RUNS,
    );
  });
});

// ── 3. the redactor, alone and through every reporter ─────────────────────────────────────────────────────

/** Where a secret hides: plain text, a URL, a JSON body, several lines. */
const embedded = (secret: string) =>
  fc.tuple(anyText, anyText, fc.nat({ max: 5 })).map(([before, after, shape]) => {
    switch (shape) {
      case 0:
        return `${before}${secret}${after}`;
      case 1:
        return `https://user:${secret}@host.example/v1/models?token=${secret}&x=${before}`;
      case 2:
        return JSON.stringify({ error: { message: `${before}${secret}${after}` } });
      case 3:
        return `${before}\n  key: ${secret}\n${after}\n${secret}`;
      case 4:
        return `Authorization: Bearer ${secret} ${before}`;
      default:
        return `${secret}${secret}${before}${secret}`;
    }
  });

/** Secrets as users really pick them, ordinary words that our own text contains, and arbitrary strings. */
const shortSecret = fc.oneof(
  fc.constantFrom('a', 'e', 'o', '1', ' ', '-', ':', '/', '|', '`', '<', '*', '#', '"', '\\', '\n', '.'),
  fc.constantFrom(
    'EMPTY',
    'ollama',
    'sk-1234',
    'none',
    'test',
    'model',
    'server',
    'ready',
    'open',
    'details',
    'summary',
    'http',
    'vllm',
    'Loading',
    'the',
  ),
  fc.string({ minLength: 1, maxLength: 7 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 7 }),
);
const longSecret = fc.oneof(
  fc.string({ minLength: LONG_SECRET_CHARS, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: LONG_SECRET_CHARS, maxLength: 40 }),
  fc.stringMatching(/^(sk-|hf_)?[A-Za-z0-9_-]{8,40}$/),
);

describe('the redactor', () => {
  it.each([
    { name: 'any secret of 1+ characters', secret: fc.oneof(shortSecret, longSecret) },
    { name: 'secrets of 8+ characters', secret: longSecret },
  ])('$name never survives, in any text shape', ({ secret }) => {
    fc.assert(
      fc.property(
        secret.chain((s) => fc.tuple(fc.constant(s), embedded(s))),
        fc.array(longSecret, { maxLength: 2 }),
        ([s, text], others) => {
          const redact = createRedactor([s, ...others]);
          const out = redact(text);
          expect(out).not.toContain(s);
          // Echoed inside a JSON string, a secret with a quote or backslash is spelled differently.
          expect(out).not.toContain(JSON.stringify(s).slice(1, -1));
          for (const other of others) expect(out).not.toContain(other);
        },
      ),
      RUNS,
    );
  });
});

async function everyReport(result: PreflightResult, extras: SummaryExtras, secret: string) {
  const redact = createRedactor([secret]);
  const markdown = renderRedactedSummary(result, extras, redact);
  const json = JSON.stringify(toJsonReport(presentResult(result, redact), presentExtras(extras, redact)));
  let terminal = '';
  await createTerminalReporter({ write: (t: string) => (terminal += t) }, () => redact, {
    quiet: false,
  }).finish(result, extras);
  return { markdown, json, terminal };
}

/** Every string value of a parsed JSON document, with the key it sits under. */
function stringValues(value: unknown, key = ''): Array<{ key: string; value: string }> {
  if (typeof value === 'string') return [{ key, value }];
  if (Array.isArray(value)) return value.flatMap((v) => stringValues(v, key));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringValues(v, k));
  return [];
}

/** The lines that give a summary its shape: headings, tables, <details>, fences. */
function skeleton(markdown: string): string[] {
  // Inside a fence a quoted log line is code, whatever it starts with ("## …" there is no heading).
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (fenced) {
        if (line === '```') fenced = false;
        return line === '```' ? line : undefined;
      }
      if (line === '```text') fenced = true;
      return /^(## |\|---|<details( open)?><summary>|<\/details>|```text|- \d)/.exec(line)?.[0];
    })
    .filter((kind): kind is string => kind !== undefined);
}

describe('secrets through every reporter (job summary, terminal, JSON)', () => {
  it('a secret of 8+ characters embedded anywhere appears in no report', async () => {
    await fc.assert(
      fc.asyncProperty(
        longSecret.chain((s) =>
          fc.tuple(fc.constant(s), fc.array(embedded(s), { minLength: 100, maxLength: 100 })),
        ),
        async ([secret, texts]) => {
          const { result, extras } = resultCarrying((n) => texts[n % texts.length]!);
          const out = await everyReport(result, extras, secret);
          expect(out.markdown).not.toContain(secret);
          expect(out.terminal).not.toContain(secret);
          const values = stringValues(JSON.parse(out.json));
          for (const { value } of values) expect(value).not.toContain(secret);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a secret of any length, even an ordinary word, leaves every report whole and keeps our ids', async () => {
    const baseline = resultCarrying(() => 'plain text');
    const reference = await everyReport(baseline.result, baseline.extras, '\u0000never\u0000');
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(shortSecret, longSecret)
          .chain((s) => fc.tuple(fc.constant(s), fc.array(embedded(s), { minLength: 100, maxLength: 100 }))),
        async ([secret, texts]) => {
          const { result, extras } = resultCarrying((n) => texts[n % texts.length]!);
          const out = await everyReport(result, extras, secret);
          // JSON: parses, ids intact, and no value that came from a server or a user holds the secret.
          const report = JSON.parse(out.json) as { cause: string; server: string; ready: boolean };
          expect(report).toMatchObject({ cause: 'out-of-memory', server: 'vllm', ready: false });
          // Our own words ("server log says: ") may hold an ordinary-word secret; the values inside them may not.
          for (const { key, value } of stringValues(report))
            if (!keepVocabulary(key, value))
              expect(value.replace(/^(server log says|note|warning): /, '')).not.toContain(secret);
          // Summary: the same headings, tables, <details> and fences as a run with no secret at all.
          expect(skeleton(out.markdown)).toEqual(skeleton(reference.markdown));
          // Terminal: one line per line of ours (a line break in a server's text cannot add one), verdict first.
          expect(out.terminal.split('\n').length).toBe(reference.terminal.split('\n').length);
          expect(out.terminal.split('\n')[0]).toBe('✘ not ready: out-of-memory');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a short key that is an ordinary word', () => {
  const count = (text: string, word: string) => text.split(word).length - 1;
  it.each(['ollama', 'EMPTY', 'sk-1234', 'test', 'x', 'details'])(
    '"%s" echoed in every field adds no occurrence to any report: only our own words still hold it',
    async (secret) => {
      const echoed = resultCarrying(() => `the server echoed ${secret} back`);
      const plain = resultCarrying(() => 'the server echoed nothing back');
      const out = await everyReport(echoed.result, echoed.extras, secret);
      const reference = await everyReport(plain.result, plain.extras, secret);
      expect(count(out.markdown, secret)).toBe(count(reference.markdown, secret));
      expect(count(out.terminal, secret)).toBe(count(reference.terminal, secret));
      expect(count(out.json, secret)).toBe(count(reference.json, secret));
      expect(out.markdown).toContain('<details open><summary>Evidence</summary>');
    },
  );
});

describe('URLs a server sends are text in the job summary, never links', () => {
  const linkBait = fc
    .tuple(anyText, fc.webUrl({ withQueryParameters: true }), fc.emailAddress(), anyText)
    .map(
      ([a, url, mail, b]) =>
        `${a} ${url} www.${url.replace(/^\w+:\/\//, '')} ${mail} [x](${url}) <${url}> <a href="${url}">x</a> ${b}`,
    );

  it('outside code spans there is no scheme://, www., e-mail address, link or tag', () => {
    fc.assert(
      fc.property(linkBait, (bait) => {
        const { result, extras } = resultCarrying(() => bait);
        const markdown = renderRedactedSummary(result, extras, createRedactor([]));
        const prose = markdown
          .split('\n')
          // Fenced log lines and code spans are shown verbatim by GitHub, never linked.
          .filter((line, i, all) => !inFence(all, i))
          .map(withoutCodeSpans)
          .join('\n');
        expect(prose).not.toMatch(/[a-z][a-z0-9+.-]*:\/\//i);
        expect(prose).not.toMatch(/\bwww\./i);
        expect(prose).not.toContain('@');
        expect(prose).not.toContain('](');
        // An escaped \< is shown as text.
        expect(prose).not.toMatch(/(?<!\\)<(?!\/?(details|summary)\b)[a-z]/i);
      }),
      { numRuns: 100 },
    );
  });
});

/** Whether line i of a Markdown document sits inside a ``` fence. */
function inFence(lines: string[], i: number): boolean {
  let open = false;
  for (let j = 0; j <= i; j++) if (lines[j]!.startsWith('```')) open = j === i ? true : !open;
  return open;
}

/** A line with its code spans taken out, as CommonMark pairs them: a run of n backticks closes at the next run of n. */
function withoutCodeSpans(line: string): string {
  const runs = [...line.matchAll(/`+/g)];
  let out = '';
  let at = 0;
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i]!;
    const close = runs.slice(i + 1).find((run) => run[0].length === open[0].length);
    if (!close) continue;
    out += line.slice(at, open.index);
    at = close.index! + close[0].length;
    i = runs.indexOf(close);
  }
  return out + line.slice(at);
}

describe('the job summary stays under the size bound, whole', () => {
  it('leaves out whole sections, never a fence or <details> half-closed', () => {
    const { result, extras } = resultCarrying((n) => `${'x'.repeat(250)} ${n}`);
    const endpoint = result.endpoints[0]!;
    const timeline: Evidence[] = Array.from({ length: 200 }, (_, i) => ({
      kind: 'note',
      atMs: i,
      text: new Text([quote(`${'y'.repeat(140)} ${i}`)]),
    }));
    // 100 endpoints with long timelines and log tails: far over the bound before it is applied.
    result.endpoints = Array.from({ length: 100 }, (_, i) => ({
      ...endpoint,
      baseUrl: `http://h${i}:8000/v1`,
      timeline,
    }));
    extras.tails = Array.from({ length: 50 }, (_, i) => ({
      source: `log ${i}`,
      lines: Array(200).fill('z'.repeat(500)),
    }));
    const markdown = renderRedactedSummary(result, extras, createRedactor(['secret-value-123']));
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    expect(markdown).toContain('summary cut to stay under the size limit');
    expect(markdown.split('\n').filter((l) => l.startsWith('```')).length % 2).toBe(0);
    expect(markdown.split('<details').length).toBe(markdown.split('</details>').length);
  });
});
