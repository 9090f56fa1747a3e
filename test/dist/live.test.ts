import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { prepareAction, runAction, type ActionRun } from '../support/action-runner.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand } from '../support/fixtures/index.js';

/**
 * The main step as the runner runs it, its stdout read line by line as it arrives. `seenWhileRunning` holds
 * the lines that arrived while the process was still running, each with whether the step had ended by then.
 */
async function runWatchingOutput(inputs: Record<string, string>) {
  const prepared = prepareAction({ inputs });
  const child = spawn(prepared.command, prepared.args, {
    cwd: prepared.cwd,
    env: prepared.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const arrived: Array<{ line: string; beforeExit: boolean }> = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    // 'data' comes before 'exit': exitCode is still null for every line the running step printed.
    for (const line of lines) arrived.push({ line, beforeExit: child.exitCode === null });
  });
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  const run: ActionRun = prepared.collect({ code, signal, stdout, stderr });
  return { run, arrived };
}

describe('dist: live while waiting', () => {
  it('a 12 s load shows a heartbeat and the server\'s own progress in the main step as they happen; post shows only what came after', async () => {
    const port = await closedPort();
    const { run, arrived } = await runWatchingOutput({
      'base-url': `http://127.0.0.1:${port}`,
      start: fixtureCommand('slow-load', port),
      timeout: '2m',
    });
    expect(run.code).toBe(0);
    const verdictAt = arrived.findIndex((a) => a.line.startsWith('LLM server ready: '));
    const heartbeat = arrived.findIndex((a) => /still not listening: GET \/v1\/models: ECONNREFUSED — \d+ s of 2 min$/.test(a.line));
    expect(heartbeat).toBeGreaterThan(-1);
    expect(arrived[heartbeat]!.beforeExit).toBe(true);
    // A handful of lines of ours for a 12 s wait, not dozens.
    const ours = arrived.filter((a) => /^\[\d+\.\d s\]/.test(a.line));
    expect(ours.length).toBeLessThanOrEqual(8);

    // The server's own words, in a collapsed group, while it loads: before the heartbeat that followed them.
    const firstShard = arrived.findIndex((a) => a.line.includes('│ ') && a.line.includes('checkpoint shards: 1/12'));
    expect(firstShard).toBeGreaterThan(-1);
    expect(firstShard).toBeLessThan(heartbeat);
    const groupOpen = arrived.slice(0, firstShard).map((a) => a.line).filter((l) => l.startsWith('::group::') || l === '::endgroup::');
    expect(groupOpen.at(-1)).toMatch(/^::group::Server output: server log \(live\)$/);
    expect(verdictAt).toBeGreaterThan(heartbeat);
    expect(arrived[verdictAt]!.beforeExit).toBe(true);
    expect(run.state.logOffset).toMatch(/^\d+$/);

    const post = await runAction({ entry: 'post', after: run, timeoutMs: 15_000 });
    expect(post.code).toBe(0);
    // Shown live already: the post step does not repeat the load.
    expect(post.stdout).not.toContain('checkpoint shards');
  }, 90_000);
});
