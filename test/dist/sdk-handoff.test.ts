import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_API_KEY } from '../../src/report/actions/verdict.js';
import { ROOT, runAction, type ActionRun } from '../support/action-runner.js';
import { startFakeServer } from '../support/fake-server.js';

const run = promisify(execFile);
const OPENAI_STEP = join(ROOT, 'test/support/fixtures/openai-step.mjs');

/**
 * The step after the preflight, as the runner starts it: the job's environment plus what GITHUB_ENV holds.
 * The official client reads OPENAI_BASE_URL and OPENAI_API_KEY, and nothing else is configured.
 */
async function nextStep(preflight: ActionRun, jobEnv: Record<string, string> = {}) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  Object.assign(env, jobEnv, preflight.env);
  const { stdout } = await run(process.execPath, [OPENAI_STEP], { cwd: ROOT, env, timeout: 20_000 });
  return JSON.parse(stdout) as { baseURL: string; models: string[]; text: string | null };
}

describe('the hand-off: the official openai client in the next step', () => {
  it('works against a keyless server: a placeholder key lets the client construct', async () => {
    await using server = await startFakeServer({ kind: 'llamacpp', models: ['qwen2.5-0.5b-instruct'] });
    const preflight = await runAction({ inputs: { 'base-url': server.url, timeout: '10s' } });
    expect(preflight.code).toBe(0);
    expect(preflight.env.OPENAI_API_KEY).toBe(PLACEHOLDER_API_KEY);
    const step = await nextStep(preflight);
    expect(step).toEqual({ baseURL: `${server.url}/v1`, models: ['qwen2.5-0.5b-instruct'], text: 'OK' });
  });

  it('works against a keyed server: the api-key is exported, masked, and sent by the client', async () => {
    const key = 'vllm-key-7f3a9c2e1b';
    await using server = await startFakeServer({ kind: 'vllm', models: ['Qwen/Qwen2.5-0.5B-Instruct'], apiKey: key });
    const preflight = await runAction({ inputs: { 'base-url': server.url, 'api-key': key, timeout: '10s' } });
    expect(preflight.code).toBe(0);
    expect(preflight.env.OPENAI_API_KEY).toBe(key);
    expect(preflight.stdout).toContain(`::add-mask::${key}`);
    expect(preflight.stdout.replace(`::add-mask::${key}`, '') + preflight.summary).not.toContain(key);
    const requestsBefore = server.requests.length;
    const step = await nextStep(preflight, { OPENAI_API_KEY: 'a-key-the-job-had-for-another-service' });
    expect(step.models).toEqual(['Qwen/Qwen2.5-0.5B-Instruct']);
    expect(step.text).toBe('OK');
    const sent = server.requests.slice(requestsBefore).map((r) => r.authorization);
    expect(sent).toEqual([`Bearer ${key}`, `Bearer ${key}`]);
  });

  it("leaves the job's own OPENAI_API_KEY alone when the step has no api-key", async () => {
    await using server = await startFakeServer({ kind: 'ollama', models: ['qwen2.5:0.5b'] });
    const preflight = await runAction({
      inputs: { 'base-url': server.url, timeout: '10s' },
      env: { OPENAI_API_KEY: 'job-level-key' },
    });
    expect(preflight.code).toBe(0);
    expect(preflight.env.OPENAI_API_KEY).toBeUndefined();
    expect(preflight.env.OPENAI_BASE_URL).toBe(`${server.url}/v1`);
  });

  it('exports nothing with export-env: false, or when not ready', async () => {
    await using server = await startFakeServer({ kind: 'llamacpp', models: ['m'] });
    const off = await runAction({ inputs: { 'base-url': server.url, 'export-env': 'false', timeout: '10s' } });
    expect(off.code).toBe(0);
    expect(off.env).toEqual({});
    const missing = await runAction({ inputs: { 'base-url': server.url, model: 'other', timeout: '3s' } });
    expect(missing.outputs.cause).toBe('model-not-found');
    expect(missing.env).toEqual({});
  });
});
