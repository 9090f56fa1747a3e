import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction, WORKFLOW_STEP_LINE } from '../support/action-runner.js';
import { closedPort, startFakeServer } from '../support/fake-server.js';
import { fixtureCommand, isRunning, until } from '../support/fixtures/index.js';

// The job after the gate: main passes, "the tests" run while the server dies, then the post step names it.

const FAKE_DOCKER = join(import.meta.dirname, '../support/fake-docker');

/** The tests of the job: one chat completion, which the server may not survive. */
async function runTheTests(port: number): Promise<void> {
  await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'Qwen/Qwen2.5-0.5B-Instruct', messages: [{ role: 'user', content: 'hi' }] }),
  }).catch(() => undefined);
}

async function mainWithDyingServer() {
  const port = await closedPort();
  const main = await runAction({
    inputs: { 'base-url': `http://127.0.0.1:${port}`, start: fixtureCommand('vllm-dies-on-request', port), timeout: '30s' },
  });
  expect(main.outputs.ready).toBe('true');
  return { port, main };
}

describe('dist: after the gate', () => {
  it('a started server that dies during the job: one error on the step line, titled with the cause, and a summary section', async () => {
    const { port, main } = await mainWithDyingServer();
    const pid = Number(main.state.serverPid);
    await runTheTests(port);
    await until(() => !isRunning(pid));

    const post = await runAction({ entry: 'post', after: main, timeoutMs: 15_000 });
    expect(post.code).toBe(0);
    expect(post.errors).toHaveLength(1);
    const [error] = post.errors;
    expect(error!.props).toEqual({ title: 'out-of-memory', file: '.github/workflows/ci.yml', line: String(WORKFLOW_STEP_LINE) });
    expect(error!.message).toMatch(
      /^The server died (\d+ ms|[\d.]+ s) after the gate: out-of-memory — torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 232\.00 MiB/,
    );
    expect(error!.message).toContain('Fix: The GPU ran out of memory');
    expect(post.summary).toContain('## ❌ After the gate: `out-of-memory`');
    expect(post.summary).toMatch(/\*\*When:\*\* (\d+ ms|[\d.]+ s) after the gate passed/);
    expect(post.summary).toContain('**Decisive line** (server log): ` (EngineCore pid=104) torch.OutOfMemoryError: CUDA out of memory.');
    expect(post.summary).toContain('**How to fix it:** The GPU ran out of memory');
    expect(post.summary).toContain('<details><summary>Last lines of server log</summary>');
    expect(post.summary).toContain('INFO:     Shutting down');
    // Lines from before the gate are not what it said after it.
    expect(post.summary).not.toContain('Application startup complete');
    expect(post.stdout).toContain('had already stopped');
  });

  it('a started server that stays up draws nothing: no annotation, no summary section', async () => {
    const { main } = await mainWithDyingServer();
    const post = await runAction({ entry: 'post', after: main, timeoutMs: 15_000 });
    expect(post.code).toBe(0);
    expect(post.errors).toEqual([]);
    expect(post.warnings).toEqual([]);
    expect(post.summary).toBe('');
    expect(post.stdout).toContain('Stopped the server started by llm-preflight');
  });

  it('the start-up profile: each phase with its time and share, the cache hints, and the startup output', async () => {
    const { main } = await mainWithDyingServer();
    const startup = JSON.parse(main.outputs.startup!) as Record<string, number>;
    expect(startup).toMatchObject({ download: 41584, weights: 3675, compile: 19370, 'graph-capture': 15000, 'engine-init': 4970 });
    expect(main.summary).toContain('**Where the start-up time went**');
    // The durations vLLM printed add up to more than this fixture's short wait: the shares are of their sum.
    expect(main.summary).toMatch(/\| weights download \| 42 s \| 49% \|/);
    expect(main.summary).toContain("by the server's own count; it was starting before this step");
    expect(main.summary).toContain('cache the Hugging Face hub directory \\(\\~/.cache/huggingface/hub');
    expect(main.summary).toContain("cache its compile cache directory \\(\\~/.cache/vllm/torch\\_compile\\_cache");
    await runAction({ entry: 'post', after: main, timeoutMs: 15_000 });
  });

  it('a container that turns exited with OOMKilled after the gate: out-of-memory on the step line', async () => {
    const docker = fakeContainer('llm');
    const server = await startFakeServer({ kind: 'vllm' });
    try {
      const env = { PATH: `${FAKE_DOCKER}:${process.env.PATH}`, FAKE_DOCKER_DIR: docker.dir };
      docker.setState({ Status: 'running' }, 0);
      docker.log(['INFO:     Application startup complete.']);
      const main = await runAction({ inputs: { 'base-url': server.url, container: 'llm', timeout: '30s' }, env });
      expect(main.outputs.ready).toBe('true');

      // The tests run; the kernel kills the container for its memory.
      docker.log(['(EngineCore pid=104) INFO 05-05 12:36:58 [core.py:500] Running 1 reqs']);
      docker.setState({ Status: 'exited', ExitCode: 137, OOMKilled: true, FinishedAt: new Date().toISOString() }, 0);

      const post = await runAction({ entry: 'post', after: main, env, timeoutMs: 15_000 });
      expect(post.errors).toHaveLength(1);
      expect(post.errors[0]!.props).toMatchObject({ title: 'out-of-memory', line: String(WORKFLOW_STEP_LINE) });
      expect(post.errors[0]!.message).toMatch(/^The server died (\d+ ms|[\d.]+ s) after the gate: out-of-memory/);
      expect(post.summary).toContain('## ❌ After the gate: `out-of-memory`');
      expect(post.summary).toContain('Give the container more memory');
      expect(post.summary).toContain('Running 1 reqs');
      expect(post.summary).not.toContain('Application startup complete');
    } finally {
      await server.close();
    }
  });

  it('a container restarted by Docker after the gate is named, and one that stayed up draws nothing', async () => {
    const docker = fakeContainer('llm');
    const server = await startFakeServer({ kind: 'vllm' });
    try {
      const env = { PATH: `${FAKE_DOCKER}:${process.env.PATH}`, FAKE_DOCKER_DIR: docker.dir };
      docker.setState({ Status: 'running' }, 0);
      const main = await runAction({ inputs: { 'base-url': server.url, container: 'llm', timeout: '30s' }, env });
      const quiet = await runAction({ entry: 'post', after: main, env, timeoutMs: 15_000 });
      expect(quiet.errors).toEqual([]);
      expect(quiet.summary).toBe('');

      docker.log(['RuntimeError: CUDA error: an illegal memory access was encountered']);
      docker.setState({ Status: 'running', StartedAt: new Date().toISOString() }, 1);
      const post = await runAction({ entry: 'post', after: main, env, timeoutMs: 15_000 });
      expect(post.errors).toHaveLength(1);
      expect(post.errors[0]!.props.title).toBe('server-exited');
      expect(post.errors[0]!.message).toMatch(/^The container restarted .* after the gate: server-exited — RuntimeError: CUDA error: an illegal memory access was encountered/);
    } finally {
      await server.close();
    }
  });
});

/** The docker double's files for one container, with timestamps on the real clock (logs after the gate). */
function fakeContainer(id: string) {
  const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-docker-'));
  return {
    dir,
    setState(state: Record<string, unknown>, restartCount: number) {
      const full = { Running: state.Status === 'running', OOMKilled: false, ExitCode: 0, Error: '', StartedAt: '2026-01-01T00:00:00.000000000Z', FinishedAt: '0001-01-01T00:00:00Z', ...state };
      writeFileSync(join(dir, `${id}.json`), JSON.stringify([{ Id: id, Name: `/${id}`, State: full, RestartCount: restartCount }]));
    },
    log(lines: string[]) {
      // RFC 3339 with nanoseconds, as `docker logs --timestamps` prints them.
      const stamp = () => new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
      appendFileSync(join(dir, `${id}.stdout`), lines.map((l) => `${stamp()} ${l}\n`).join(''));
    },
  };
}
