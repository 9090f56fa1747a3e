import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import { startSources } from '../../src/evidence/sources.js';
import { stopProcessGroup } from '../../src/process/process-group.js';
import { findProgram, thisHost } from '../../src/process/shell.js';
import { plainText } from '../../src/text.js';
import type { PreflightResult } from '../../src/types.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand } from '../support/fixtures/index.js';

const temp = mkdtempSync(join(tmpdir(), 'llm-preflight-shell-'));
const groups: number[] = [];

afterEach(async () => {
  for (const pid of groups.splice(0)) await stopProcessGroup(pid, 500);
});

/** The engine as run.ts wires it, with a real `start` process. */
async function run(raw: RawInputs): Promise<PreflightResult> {
  const parsed = parseInputs({ timeout: '30s', 'request-timeout': '1s', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  const sources = startSources(parsed.config, {
    env: process.env,
    now: () => performance.now(),
    tempDir: temp,
  });
  if (sources.startedPid !== undefined) groups.push(sources.startedPid);
  try {
    return await preflight(parsed.config, { env: {}, sources });
  } finally {
    await sources.close();
  }
}

const hasBash = findProgram('bash', thisHost(process.env)) !== undefined;

describe('start runs as a run: step runs', () => {
  it.runIf(hasBash)(
    'by default under bash: source, [[ ]] and arrays work (they exit 127 under dash)',
    async () => {
      const port = await closedPort();
      const venv = join(temp, 'activate');
      writeFileSync(venv, `SERVER_PORT=${port}\n`);
      const start = `source '${venv}' && [[ $SERVER_PORT == ${port} ]] && server=(${fixtureCommand('vllm-ready', port)}) && "\${server[@]}"`;
      const result = await run({ 'base-url': `http://127.0.0.1:${port}`, start });
      expect(result.finding, plainText(result.finding?.summary)).toBeUndefined();
      expect(result.ready).toBe(true);
    },
  );

  it.runIf(hasBash)(
    'with -e and pipefail: a failing first command ends the start with its code',
    async () => {
      const port = await closedPort();
      const start = `false | cat; ${fixtureCommand('vllm-ready', port)}`;
      const result = await run({ 'base-url': `http://127.0.0.1:${port}`, start });
      expect(result.finding?.cause).toBe('server-exited');
      expect(plainText(result.finding?.summary)).toContain('exit code 1');
    },
  );

  it('shell: sh runs it under sh -e', async () => {
    const port = await closedPort();
    const result = await run({
      'base-url': `http://127.0.0.1:${port}`,
      shell: 'sh',
      start: `. /dev/null && ${fixtureCommand('vllm-ready', port)}`,
    });
    expect(result.ready).toBe(true);
  });

  it.each([
    { shell: '', name: hasBash ? 'bash' : 'sh' },
    { shell: 'sh', name: 'sh' },
  ])(
    'exit 127 under "$shell" says command not found for $name and quotes the command',
    async ({ shell, name }) => {
      const port = await closedPort();
      const result = await run({
        'base-url': `http://127.0.0.1:${port}`,
        shell,
        start: 'vllm-not-installed-here serve Qwen/Qwen2.5-0.5B-Instruct',
      });
      expect(result.finding?.cause).toBe('server-exited');
      const summary = plainText(result.finding?.summary);
      expect(summary).toContain('exit code 127');
      expect(summary).toMatch(/vllm-not-installed-here: (command )?not found/);
      const hint = plainText(result.finding?.hint);
      expect(hint).toMatch(new RegExp(`^${name}: command not found`));
      expect(hint).not.toMatch(/check that the server is installed/);
    },
  );

  it('a shell that is not on PATH is named, not a spawn error', async () => {
    const port = await closedPort();
    const parsed = parseInputs({
      'base-url': `http://127.0.0.1:${port}`,
      shell: 'pwsh',
      start: 'x',
      timeout: '5s',
    });
    if (!parsed.ok) throw new Error('bad inputs');
    const sources = startSources(parsed.config, {
      env: { PATH: temp },
      now: () => performance.now(),
      tempDir: temp,
    });
    try {
      const result = await preflight(parsed.config, { env: {}, sources });
      expect(result.finding?.cause).toBe('server-exited');
      expect(plainText(result.finding?.summary)).toContain('the shell pwsh is not on PATH');
    } finally {
      await sources.close();
    }
  });
});
