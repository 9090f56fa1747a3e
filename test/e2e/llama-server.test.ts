import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/entry/cli.js';
import { runAction } from '../support/action-runner.js';
import { freePort, llamaServerCommand, shellQuote } from '../support/llama-server.js';
import { writeBrokenModel } from '../support/tiny-gguf.js';

/**
 * End-to-end against a real llama.cpp llama-server (built from the source node-llama-cpp ships, see
 * scripts/build-llama-server.js) serving a tiny random-weight model the tests generate.
 */
const llama = inject('llamaServer');
const suite = llama ? describe : describe.skip;

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function startServerByHand(port: number, alias: string): ChildProcess {
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'exec ' + llamaServerCommand({ binary: llama!.binary, modelPath: llama!.tinyModelPath, port, alias }),
    ],
    {
      stdio: 'ignore',
    },
  );
  started.push(child);
  return child;
}

async function waitForHealth(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`llama-server on ${port} did not become healthy`);
}

/** Alive and not a zombie: a killed server whose parent is gone stays a zombie where nothing reaps it. */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

suite('real llama-server', () => {
  it('the action starts it with `start`, waits through its real start-up, and a 1-token smoke completion passes', async () => {
    const port = await freePort();
    const command = llamaServerCommand({
      binary: llama!.binary,
      modelPath: llama!.tinyModelPath,
      port,
      alias: 'tiny-llama',
    });
    const main = await runAction({
      inputs: {
        'base-url': `http://localhost:${port}/v1`,
        start: command,
        model: 'tiny-llama',
        smoke: 'true',
        timeout: '60s',
      },
    });
    try {
      expect(main.code, main.stdout).toBe(0);
      expect(main.outputs).toMatchObject({
        ready: 'true',
        server: 'llamacpp',
        cause: '',
        models: '["tiny-llama"]',
      });
      expect(Number(main.outputs['ttft-ms'])).toBeGreaterThan(0);
      expect(main.summary).toContain('Smoke test');
      expect(main.outputs['log-file']).toMatch(/llm-preflight-server-.*\.log$/);
      // The server outlives the step, for the job's tests...
      const pid = Number(main.state.serverPid);
      expect(pidAlive(pid)).toBe(true);
      const completion = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'tiny-llama',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 2,
        }),
      });
      expect(completion.status).toBe(200);
      expect(readFileSync(main.outputs['log-file']!, 'utf8')).toMatch(/model loaded/);
    } finally {
      // ...and the post step stops it.
      const post = await runAction({ entry: 'post', after: main });
      expect(post.code).toBe(0);
      expect(pidAlive(Number(main.state.serverPid))).toBe(false);
    }
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('a server started beforehand with another alias → model-not-found naming the served alias, at once', async () => {
    const port = await freePort();
    startServerByHand(port, 'tiny-llama');
    await waitForHealth(port);
    const run = await runAction({
      inputs: { 'base-url': `http://127.0.0.1:${port}`, model: 'Tiny-Llama', timeout: '5m' },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.cause).toBe('model-not-found');
    expect(run.outputs.server).toBe('llamacpp');
    expect(run.errors[0]!.message).toContain('did you mean "tiny-llama"');
    // Named as soon as the list was read, not at the five-minute deadline.
    expect(Number(run.outputs['elapsed-ms'])).toBeLessThan(60_000);
  });

  it('a broken model file: the server exits and the cause comes from its own log line', async () => {
    const port = await freePort();
    const broken = join(llama!.modelDir, `truncated-${port}.gguf`);
    await writeBrokenModel(broken, llama!.tinyModelPath);
    const command = llamaServerCommand({
      binary: llama!.binary,
      modelPath: broken,
      port,
      alias: 'tiny-llama',
    });
    const run = await runAction({
      inputs: { 'base-url': `http://127.0.0.1:${port}`, start: command, timeout: '5m' },
    });
    expect(run.code).toBe(1);
    expect(['server-exited', 'model-download-failed']).toContain(run.outputs.cause);
    expect(run.errors[0]!.message).toMatch(
      /error loading model|failed to load model|not within the file bounds/,
    );
    expect(run.summary).toMatch(/exit code 1/);
    expect(Number(run.outputs['elapsed-ms'])).toBeLessThan(60_000);
    await runAction({ entry: 'post', after: run });
  });

  it('the server killed with SIGKILL while the job waits is named at once', async () => {
    const port = await freePort();
    const wrongPort = await freePort();
    const pidFile = join(llama!.modelDir, `pid-${port}`);
    // The job waits on a port the server does not use (a common slip), so it is still waiting when the
    // server dies; `exec` makes the recorded pid the server's own.
    const command = `echo $$ > ${shellQuote(pidFile)}; exec ${llamaServerCommand({ binary: llama!.binary, modelPath: llama!.tinyModelPath, port, alias: 'tiny-llama' })}`;
    let killed = false;
    const killer = (async () => {
      for (let i = 0; i < 400 && !killed; i++) {
        if (existsSync(pidFile)) {
          const pid = Number(readFileSync(pidFile, 'utf8'));
          if (pid) {
            await waitForHealth(port);
            process.kill(pid, 'SIGKILL');
            killed = true;
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const run = await runAction({
      inputs: { 'base-url': `http://127.0.0.1:${wrongPort}`, start: command, timeout: '5m' },
    });
    await killer;
    expect(killed).toBe(true);
    expect(run.code).toBe(1);
    expect(run.outputs.cause).toBe('server-exited');
    expect(run.errors[0]!.message).toContain('SIGKILL');
    expect(Number(run.outputs['elapsed-ms'])).toBeLessThan(60_000);
    writeFileSync(pidFile, '');
  });

  it("a port already held by an older server → port-in-use from the new server's log, not a false ready", async () => {
    const port = await freePort();
    startServerByHand(port, 'old-server');
    await waitForHealth(port);
    const command = llamaServerCommand({
      binary: llama!.binary,
      modelPath: llama!.tinyModelPath,
      port,
      alias: 'tiny-llama',
    });
    const run = await runAction({
      inputs: { 'base-url': `http://127.0.0.1:${port}`, start: command, timeout: '60s' },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.cause).toBe('port-in-use');
    expect(run.errors[0]!.message).toMatch(/couldn't bind HTTP server socket/);
    await runAction({ entry: 'post', after: run });
  });

  it('two real servers at once, each with its own model, under one deadline', async () => {
    const [first, second] = [await freePort(), await freePort()];
    startServerByHand(first, 'chat-model');
    startServerByHand(second, 'other-model');
    const run = await runAction({
      inputs: {
        'base-url': `http://localhost:${first} = chat-model\nhttp://127.0.0.1:${second}/v1 = other-model`,
        timeout: '60s',
      },
    });
    expect(run.code, run.stdout).toBe(0);
    const endpoints = JSON.parse(run.outputs.endpoints!) as Array<Record<string, unknown>>;
    expect(endpoints).toEqual([
      {
        url: `http://localhost:${first}/v1`,
        ready: true,
        cause: '',
        server: 'llamacpp',
        models: ['chat-model'],
      },
      {
        url: `http://127.0.0.1:${second}/v1`,
        ready: true,
        cause: '',
        server: 'llamacpp',
        models: ['other-model'],
      },
    ]);
    // The single-server outputs describe the first line.
    expect(run.outputs['base-url']).toBe(`http://localhost:${first}/v1`);
  });

  it('the CLI with --json against the same kind of server', async () => {
    const port = await freePort();
    startServerByHand(port, 'tiny-llama');
    await waitForHealth(port);
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [`http://localhost:${port}`, '--model', 'tiny-llama', '--smoke', '--json', '--timeout', '30s'],
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ ready: true, cause: null, server: 'llamacpp', models: ['tiny-llama'] });
    expect(report.ttft_ms).toEqual(expect.any(Number));
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });
});
