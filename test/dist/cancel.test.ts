import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { groupMembers } from '../../src/process/process-group.js';
import { ROOT, runAction } from '../support/action-runner.js';
import { closedPort } from '../support/fake-server.js';
import { silentServer } from '../support/hostile-servers.js';

/**
 * A cancelled job: the runner sends SIGINT, then SIGTERM 7.5 s later, then kills the process tree 2.5 s after
 * that (docs/platform.md §8). These tests play the runner: the verdict must be written and
 * the process gone on the SIGINT alone; the SIGTERM timer is the runner's own deadline, not a speed target.
 */
const RUNNER_SIGTERM_AFTER_MS = 7_500;
const RUNNER_KILL_AFTER_MS = 10_000;
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** Whether any process of the group still runs. A killed process whose parent is gone may stay a zombie
 * (no init in a container to reap it): it holds nothing, so it does not count. */
function groupAlive(pid: number): boolean {
  const members = groupMembers(pid);
  if (members) return members.length > 0;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const started: number[] = [];
afterEach(() => {
  // A failed assertion must not leave a `sleep` behind.
  for (const pid of started.splice(0)) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
});

/** Sends `signal` once `ready()` holds, then plays the runner's SIGTERM and kill if the process is still there. */
function cancelWhen(ready: () => boolean, signal: NodeJS.Signals) {
  const sent = { sigterm: false, kill: false };
  const timers: NodeJS.Timeout[] = [];
  const onSpawn = (pid: number) => {
    const poll = setInterval(() => {
      if (!ready()) return;
      clearInterval(poll);
      process.kill(pid, signal);
      timers.push(
        setTimeout(() => {
          sent.sigterm = true;
          process.kill(pid, 'SIGTERM');
        }, RUNNER_SIGTERM_AFTER_MS),
        setTimeout(() => {
          sent.kill = true;
          process.kill(pid, 'SIGKILL');
        }, RUNNER_KILL_AFTER_MS),
      );
    }, 20);
    timers.push(poll);
  };
  const clear = () => {
    for (const timer of timers) clearTimeout(timer);
  };
  return { onSpawn, sent, clear };
}

describe('dist/index.js cancelled by the runner', () => {
  it('SIGINT during the wait: "cancelled" at once, exit 1, and the post step stops the started server', async () => {
    const port = await closedPort();
    const marker = join(mkdtempSync(join(tmpdir(), 'llm-preflight-cancel-')), 'started');
    // A "server" that starts and never listens: the wait can only end by the deadline (60 s) or the signal.
    const cancel = cancelWhen(() => existsSync(marker), 'SIGINT');
    const run = await runAction({
      inputs: {
        'base-url': `http://127.0.0.1:${port}`,
        timeout: '60s',
        start: `echo started > "${marker}"; exec sleep 300`,
      },
      onSpawn: cancel.onSpawn,
    }).finally(cancel.clear);
    const pid = Number(run.state.serverPid);
    if (pid) started.push(pid);

    expect(cancel.sent).toEqual({ sigterm: false, kill: false });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ ready: 'false', cause: 'cancelled' });
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.props.title).toBe('cancelled');
    expect(run.errors[0]!.message).toMatch(/Cancelled by SIGINT/);
    expect(run.summary).toContain('`cancelled`');
    expect(run.stdout + run.stderr).not.toMatch(STACK_LINE);

    // The server outlives the main step, as it must for the job's tests, until the post step stops it.
    expect(pid).toBeGreaterThan(1);
    expect(groupAlive(pid)).toBe(true);
    const post = await runAction({ entry: 'post', after: run });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Stopped the server started by llm-preflight (pid ${pid})`);
    expect(groupAlive(pid)).toBe(false);
  });

  it('SIGTERM alone (a runner that skips SIGINT) is a cancellation too', async () => {
    // A server that takes the request and never answers: its first request says the wait is under way.
    await using server = await silentServer();
    const cancel = cancelWhen(() => server.requests.length > 0, 'SIGTERM');
    const run = await runAction({
      inputs: { 'base-url': server.url, timeout: '60s', 'request-timeout': '30s' },
      onSpawn: cancel.onSpawn,
    }).finally(cancel.clear);
    expect(cancel.sent).toEqual({ sigterm: false, kill: false });
    expect(run.code).toBe(1);
    expect(run.outputs.cause).toBe('cancelled');
    expect(run.errors[0]!.message).toMatch(/Cancelled by SIGTERM/);
  });
});

describe('dist/cli/index.js on Ctrl-C', () => {
  async function interrupt(args: string[]) {
    await using server = await silentServer();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist/cli/index.js'), server.url, '--timeout', '60s', '--request-timeout', '30s', ...args],
      { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const cancel = cancelWhen(() => server.requests.length > 0, 'SIGINT');
    cancel.onSpawn(child.pid!);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    ).finally(cancel.clear);
    return { code, signal, stdout, stderr, sent: cancel.sent };
  }

  it('exits 130 and names the cancellation', async () => {
    const run = await interrupt([]);
    expect(run.sent).toEqual({ sigterm: false, kill: false });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('✘ not ready: cancelled');
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('with --json: one report with cause "cancelled", exit 130', async () => {
    const run = await interrupt(['--json', '--server', 'vllm']);
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({ ready: false, cause: 'cancelled' });
  });
});
