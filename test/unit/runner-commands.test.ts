import * as actionsCore from '@actions/core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as ours from '../../src/report/runner/runner-commands.js';

// runner-commands.ts stands in for @actions/core in the action bundle. Each row makes the same call through
// both, for real (nothing mocked), and compares what reached stdout and the runner's files.

type Impl = Pick<
  typeof ours,
  | 'setSecret'
  | 'info'
  | 'debug'
  | 'warning'
  | 'error'
  | 'startGroup'
  | 'endGroup'
  | 'setOutput'
  | 'saveState'
  | 'exportVariable'
>;

const FILE_VARS = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_STEP_SUMMARY'] as const;
const TRICKY = 'a%b\r\nc:d,e ::error::forged';

let dir: string;
const saved: Record<string, string | undefined> = {};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-commands-'));
  for (const name of [...FILE_VARS, 'BENCH_EXPORTED']) saved[name] = process.env[name];
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `act` with stdout captured and fresh runner files (or none); returns what was written, delimiters normalised. */
function capture(act: () => void, withFiles: boolean): { stdout: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  for (const name of FILE_VARS) {
    if (withFiles) {
      const path = join(dir, `${name}-${Math.random()}`);
      writeFileSync(path, '');
      process.env[name] = path;
    } else delete process.env[name];
  }
  let stdout = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    act();
  } finally {
    process.stdout.write = write;
  }
  if (withFiles) for (const name of FILE_VARS) files[name] = readFileSync(process.env[name]!, 'utf8');
  const normalise = (text: string) => text.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'ghadelimiter_<uuid>');
  return {
    stdout: normalise(stdout),
    files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, normalise(v)])),
  };
}

describe('runner commands write what @actions/core writes', () => {
  it.each<{ name: string; call: (impl: Impl) => void }>([
    { name: 'setSecret escapes the value', call: (c) => c.setSecret(TRICKY) },
    { name: 'info is a plain line', call: (c) => c.info('plain text') },
    { name: 'debug escapes newlines', call: (c) => c.debug(TRICKY) },
    {
      name: 'error with title, file and line',
      call: (c) =>
        c.error(TRICKY, { title: 'out-of-memory', file: '.github/workflows/ci.yml', startLine: 10 }),
    },
    { name: 'error with a title holding : and ,', call: (c) => c.error('m', { title: 'a:b,c%d' }) },
    { name: 'error without properties', call: (c) => c.error('just a message') },
    { name: 'warning with title only', call: (c) => c.warning(TRICKY, { title: 'llm-preflight' }) },
    { name: 'group and endgroup', call: (c) => (c.startGroup('Last lines of server log'), c.endGroup()) },
    { name: 'setOutput', call: (c) => c.setOutput('models', '["a","b"]\nsecond line') },
    { name: 'setOutput with an empty value', call: (c) => c.setOutput('cause', '') },
    { name: 'saveState', call: (c) => c.saveState('server-pid', '1234') },
    { name: 'exportVariable', call: (c) => c.exportVariable('BENCH_EXPORTED', 'http://127.0.0.1:8000/v1') },
  ])('$name', ({ call }) => {
    for (const withFiles of [true, false]) {
      const theirs = capture(() => call(actionsCore), withFiles);
      const mine = capture(() => call(ours), withFiles);
      expect(mine, withFiles ? 'with runner files' : 'without runner files').toEqual(theirs);
    }
  });

  it('exportVariable also sets the variable for this process', () => {
    capture(() => ours.exportVariable('BENCH_EXPORTED', 'value'), true);
    expect(process.env.BENCH_EXPORTED).toBe('value');
  });

  it('the summary is appended to GITHUB_STEP_SUMMARY, as core.summary does', async () => {
    const results: string[] = [];
    for (const impl of [actionsCore, ours]) {
      const path = join(dir, `summary-${results.length}`);
      writeFileSync(path, 'before\n');
      process.env.GITHUB_STEP_SUMMARY = path;
      await impl.summary.addRaw('## llm-preflight\n').addRaw('| a | b |\n').write();
      results.push(readFileSync(path, 'utf8'));
    }
    expect(results[1]).toBe(results[0]);
  });

  // core.summary keeps the path it first saw, so after the test above it cannot show its own error here.
  it("a summary without GITHUB_STEP_SUMMARY is an error, with core.summary's message", async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await expect(ours.summary.addRaw('x').write()).rejects.toThrow(
      'Unable to find environment variable for $GITHUB_STEP_SUMMARY',
    );
  });

  it('a summary file that cannot be written is an error', async () => {
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'missing-dir', 'summary');
    await expect(ours.summary.addRaw('x').write()).rejects.toThrow(/Unable to access summary file/);
  });
});

describe('getState', () => {
  it('reads what the runner passes to the post step, as @actions/core does', () => {
    const saved = process.env.STATE_serverPid;
    process.env.STATE_serverPid = '4242';
    try {
      expect(ours.getState('serverPid')).toBe(actionsCore.getState('serverPid'));
      expect(ours.getState('serverPid')).toBe('4242');
      expect(ours.getState('absent-key')).toBe(actionsCore.getState('absent-key'));
    } finally {
      if (saved === undefined) delete process.env.STATE_serverPid;
      else process.env.STATE_serverPid = saved;
    }
  });
});
