import { describe, expect, it } from 'vitest';
import { runAction, WORKFLOW_STEP_LINE } from '../support/action-runner.js';
import { closedPort, startFakeServer } from '../support/fake-server.js';

describe('dist/index.js run as the runner runs it', () => {
  it('goes green on a vLLM-like server once it has loaded, with outputs, env and summary', async () => {
    await using server = await startFakeServer({ kind: 'vllm', models: ['Qwen/Qwen2.5-0.5B-Instruct'], loadingMs: 400 });
    const run = await runAction({
      inputs: { 'base-url': `${server.url}/v1`, model: 'Qwen/Qwen2.5-0.5B-Instruct', timeout: '20s' },
    });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      ready: 'true',
      cause: '',
      'base-url': `${server.url}/v1`,
      server: 'vllm',
      'server-version': '0.11.2',
      models: JSON.stringify(['Qwen/Qwen2.5-0.5B-Instruct']),
    });
    expect(Number(run.outputs['elapsed-ms'])).toBeGreaterThanOrEqual(0);
    expect(run.env.OPENAI_BASE_URL).toBe(`${server.url}/v1`);
    expect(run.env.OPENAI_API_BASE).toBe(`${server.url}/v1`);
    expect(run.summary).toContain('LLM server ready');
    expect(run.errors).toEqual([]);
  });

  it('names connection-refused with one error annotation on the step line', async () => {
    const port = await closedPort();
    const run = await runAction({ inputs: { 'base-url': `http://127.0.0.1:${port}`, timeout: '2s' } });
    expect(run.code).toBe(1);
    expect(run.outputs.ready).toBe('false');
    expect(run.outputs.cause).toBe('connection-refused');
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.props).toEqual({
      title: 'connection-refused',
      file: '.github/workflows/ci.yml',
      line: String(WORKFLOW_STEP_LINE),
    });
    expect(run.errors[0]!.message).toContain(`127.0.0.1:${port}`);
    expect(run.summary).toContain('connection-refused');
    expect(run.summary).toContain('Timeline');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('rejects bad input at once with an annotation naming the input and an example', async () => {
    const run = await runAction({ inputs: { timeout: 'soon' } });
    expect(run.code).toBe(1);
    expect(run.outputs.cause).toBe('invalid-input');
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.props.title).toBe('invalid-input');
    expect(run.errors[0]!.message).toMatch(/'timeout'.*got "soon".*timeout: 10m/);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });

  it('never prints the api-key, even when the server echoes it back', async () => {
    const key = 'sk-test-very-secret-key-123456';
    await using server = await startFakeServer({
      kind: 'openai',
      handle: (req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization}` } }));
        return true;
      },
    });
    const run = await runAction({ inputs: { 'base-url': server.url, 'api-key': key, timeout: '5s' } });
    expect(run.outputs.cause).toBe('unauthorized');
    const everything = run.stdout + run.stderr + run.summary + JSON.stringify(run.outputs) + JSON.stringify(run.state);
    expect(everything).toContain(`::add-mask::${key}`);
    expect(everything.replace(`::add-mask::${key}`, '')).not.toContain(key);
  });
});
