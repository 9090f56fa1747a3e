import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../support/action-runner.js';

const run = promisify(execFile);

interface Step {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}
const release = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  on: { push: { tags: string[] } };
  jobs: Record<string, { needs?: string | string[]; permissions?: Record<string, string>; steps: Step[] }>;
};

/** A step's script as the runner runs it (bash -e), in a scratch directory holding `changelog`. */
async function runStep(job: string, name: string, changelog: string, env: Record<string, string>) {
  const step = release.jobs[job]!.steps.find((s) => s.name === name)!;
  const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-release-'));
  writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  const result = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
  }).then(
    (ok) => ({ code: 0, ...ok }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  return { ...result, dir };
}

const CHANGELOG = `# Changelog

## Unreleased

- Something not released yet.

## 1.1.0

- A feature.
- A fix.

## [1.0.0]

- The first release.
`;

describe('release.yml', () => {
  it('runs on version tags only, and each publishing job waits for the checks', () => {
    expect(release.on.push.tags).toEqual(['v*.*.*']);
    for (const job of ['github-release', 'npm', 'image'])
      expect([release.jobs[job]!.needs].flat()).toContain('check');
    expect(release.jobs.npm!.permissions).toMatchObject({ 'id-token': 'write' });
    expect(release.jobs.image!.permissions).toMatchObject({ packages: 'write' });
  });

  it.each([
    { version: '1.1.0', notes: '\n- A feature.\n- A fix.\n\n' },
    { version: '1.0.0', notes: '\n- The first release.\n' },
  ])('the notes of $version are its CHANGELOG section', async ({ version, notes }) => {
    const step = await runStep('github-release', 'Release notes from the CHANGELOG', CHANGELOG, {
      RELEASE_VERSION: version,
    });
    expect(step.code).toBe(0);
    expect(readFileSync(join(step.dir, 'release-notes.md'), 'utf8')).toBe(notes);
  });

  it('a version without a section stops the release with an error annotation', async () => {
    const step = await runStep('github-release', 'Release notes from the CHANGELOG', CHANGELOG, {
      RELEASE_VERSION: '2.0.0',
    });
    expect(step.code).toBe(1);
    expect(step.stdout).toContain('::error title=No release notes::CHANGELOG.md has no "## 2.0.0" section');
  });
});
