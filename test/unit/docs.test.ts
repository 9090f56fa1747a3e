import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CAUSES } from '../../src/causes.js';
import { INPUT_NAMES } from '../../src/config/schema.js';
import { toJsonReport } from '../../src/report/json.js';
import { PROFILES } from '../../src/servers/index.js';
import { ROOT } from '../support/action-runner.js';

// The README is the user's contract in prose: these tests fail when it drifts from action.yml and the code
// (checkout keeps its README in step with action.yml for the same reason).

interface Manifest {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
}

const manifest = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Manifest;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const workflowDir = join(ROOT, '.github/workflows');
const workflows = readdirSync(workflowDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => ({ name, text: readFileSync(join(workflowDir, name), 'utf8') }));

/** The text under a heading, up to the next heading of the same or a higher level (code fences skipped). */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const level = heading.match(/^#+/)![0].length;
  let inFence = false;
  const headingAt = lines.map((line) => {
    if (line.startsWith('```')) inFence = !inFence;
    const m = !inFence && line.match(/^(#+) /);
    return m ? m[1]!.length : 0;
  });
  const start = lines.findIndex((line, i) => headingAt[i] === level && line.trim() === heading);
  if (start === -1) throw new Error(`README has no heading "${heading}"`);
  const end = headingAt.findIndex((l, i) => i > start && l > 0 && l <= level);
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** The cells of the first table in a piece of Markdown, header and separator rows left out. */
function tableRows(markdown: string): string[][] {
  const rows = markdown
    .split('\n')
    .filter((line) => line.trimStart().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  return rows.slice(2);
}

/** A cell's value: a code span unwrapped, and `""` meaning the empty string. */
function cellValue(cell: string): string {
  const span = cell.match(/^`(.*)`$/);
  const value = span ? span[1]! : cell;
  return value === '""' ? '' : value;
}

function codeBlocks(markdown: string, language: string): string[] {
  const blocks: string[] = [];
  const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm');
  for (const m of markdown.matchAll(fence)) blocks.push(m[1]!);
  return blocks;
}

/** Every mapping in a parsed YAML tree that has a `uses:` matching `isOurs`. */
function ourSteps(node: unknown, isOurs: (uses: string) => boolean): Array<Record<string, unknown>> {
  if (Array.isArray(node)) return node.flatMap((item) => ourSteps(item, isOurs));
  if (!node || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const here = typeof record.uses === 'string' && isOurs(record.uses) ? [record] : [];
  return [...here, ...Object.values(record).flatMap((value) => ourSteps(value, isOurs))];
}

const isPublishedAction = (uses: string) => /^<owner>\/llm-preflight@v\d+$/.test(uses);
const isLocalAction = (uses: string) => uses === './';

const snippetSources = [
  ...codeBlocks(readme, 'yaml').map((text, i) => ({
    name: `README yaml block ${i + 1}`,
    text,
    isOurs: isPublishedAction,
  })),
  ...workflows.map((w) => ({ name: w.name, text: w.text, isOurs: isLocalAction })),
];

describe('README tables match action.yml', () => {
  it('lists every input, in action.yml order, with its default', () => {
    const rows = tableRows(section(readme, '## Inputs'));
    expect(rows.map((r) => cellValue(r[0]!))).toEqual(Object.keys(manifest.inputs));
    for (const row of rows) {
      const name = cellValue(row[0]!);
      expect(cellValue(row[1]!), `default of ${name}`).toBe(manifest.inputs[name]!.default ?? '');
      expect(row[2]!.length, `description of ${name}`).toBeGreaterThan(20);
    }
  });

  it('lists every output, in action.yml order', () => {
    const rows = tableRows(section(readme, '## Outputs'));
    expect(rows.map((r) => cellValue(r[0]!))).toEqual(Object.keys(manifest.outputs));
    for (const row of rows) expect(row[1]!.length, cellValue(row[0]!)).toBeGreaterThan(5);
  });
});

describe('README: when it fails', () => {
  const rows = tableRows(section(readme, '## When it fails'));

  it('explains every cause id of the contract, and no other', () => {
    expect(rows.map((r) => cellValue(r[0]!)).sort()).toEqual([...CAUSES].sort());
  });

  it.each(rows.map((r) => ({ cause: cellValue(r[0]!), meaning: r[1]!, fix: r[2]! })))(
    '$cause has a meaning and a fix',
    ({ meaning, fix }) => {
      expect(meaning.length).toBeGreaterThan(20);
      expect(fix.length).toBeGreaterThan(20);
    },
  );
});

describe('README recipes match the server profiles', () => {
  const kinds = Object.values(PROFILES).filter((p) => p.kind !== 'openai');

  it.each(kinds.map((p) => ({ label: p.label, profile: p })))(
    '$label: health endpoint, default port and cause ids',
    ({ label, profile }) => {
      const text = section(readme, `### ${label}`);
      expect(text).toContain(`\`${profile.healthPath ?? '/v1/models'}\``);
      expect(text).toContain(`\`${profile.defaultPort}\``);
      const failuresAt = text.indexOf('**Common failures:**');
      expect(failuresAt, 'a "Common failures" paragraph').toBeGreaterThan(-1);
      const failures = text.slice(failuresAt);
      // Code spans there that look like ids are cause ids, or input names such as `api-key`.
      const spans = [...failures.matchAll(/`([a-z]+(?:-[a-z]+)*)`/g)].map((m) => m[1]!);
      const causes = spans.filter((id) => (CAUSES as readonly string[]).includes(id));
      expect(causes.length).toBeGreaterThanOrEqual(3);
      for (const id of spans.filter((id) => id.includes('-') && !(INPUT_NAMES as string[]).includes(id)))
        expect(CAUSES, id).toContain(id);
    },
  );
});

describe('examples use only what exists', () => {
  it.each(snippetSources)('$name parses as YAML', ({ text }) => {
    expect(() => parse(text)).not.toThrow();
  });

  it.each(snippetSources)('$name: every with: key of the action is an input', ({ text, isOurs }) => {
    for (const step of ourSteps(parse(text), isOurs)) {
      for (const key of Object.keys((step.with as Record<string, unknown> | undefined) ?? {}))
        expect(Object.keys(manifest.inputs), `with: ${key}`).toContain(key);
    }
  });

  it.each(snippetSources)('$name: every output read from the action exists', ({ text, isOurs }) => {
    const ids = new Set(ourSteps(parse(text), isOurs).map((step) => step.id));
    for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      if (ids.has(m[1]!))
        expect(Object.keys(manifest.outputs), `steps.${m[1]}.outputs.${m[2]}`).toContain(m[2]);
    }
  });

  it('the workflows run the action itself', () => {
    const e2e = workflows.find((w) => w.name === 'e2e.yml');
    expect(e2e, 'e2e.yml').toBeDefined();
    expect(ourSteps(parse(e2e!.text), isLocalAction).length).toBeGreaterThanOrEqual(4);
  });
});

describe('README: the CLI', () => {
  const cli = section(readme, '## CLI');

  it('documents only flags and variables the CLI reads', () => {
    const cliOnly = ['json', 'quiet', 'help', 'version', 'yes'];
    for (const m of cli.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g))
      expect([...INPUT_NAMES, ...cliOnly], `--${m[1]}`).toContain(m[1]);
    for (const m of cli.matchAll(/LLM_PREFLIGHT_([A-Z_]+)/g)) {
      const input = m[1]!.toLowerCase().replace(/_/g, '-');
      expect(INPUT_NAMES, m[0]).toContain(input);
    }
  });

  it('lists the exit codes 0, 1, 2 and 130', () => {
    expect(tableRows(cli).map((r) => cellValue(r[0]!))).toEqual(['0', '1', '2', '130']);
  });

  it('shows a --json example with the keys of the JSON report', () => {
    const example = JSON.parse(codeBlocks(cli, 'json')[0]!) as Record<string, unknown>;
    const report = toJsonReport({ ready: true, endpoints: [], elapsedMs: 0, warnings: [] }, { tails: [] });
    expect(Object.keys(example)).toEqual(Object.keys(report));
  });
});
