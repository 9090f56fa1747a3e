import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction, WORKFLOW_STEP_LINE, type ActionRun } from '../support/action-runner.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand, isRunning, portIsFree, readPids } from '../support/fixtures/index.js';

// The secrets server.mjs prints among its HOSTILE lines: none may reach any output.
const LOGGED_SECRETS = ['AbCdEfGhIjKlMnOpQrStUvWx0123', 'abcdefghijklmnop123456', 'abcdefghijklmnopqrstuvwx', 's3cr3tpassw0rd'];

/** Splits a step's stdout into what the runner reads with commands stopped and what it reads as usual. */
function byStopCommands(stdout: string) {
  const inside: string[] = [];
  const outside: string[] = [];
  let token: string | undefined;
  for (const line of stdout.split('\n')) {
    if (token === undefined) {
      const start = /^::stop-commands::(.+)$/.exec(line);
      if (start) token = start[1];
      else outside.push(line);
    } else if (line === `::${token}::`) {
      token = undefined;
    } else {
      inside.push(line);
    }
  }
  return { inside, outside, resumed: token === undefined };
}

/** Lines the runner would act on outside ::stop-commands:: (V2 `::cmd` at line start, legacy `##[` anywhere). */
function commandsRun(stdout: string): string[] {
  return byStopCommands(stdout).outside.filter((line) => /^\s*::/.test(line) || line.includes('##['));
}

/** A quoted line is visible, whatever marks (a zero-width space) break its command syntax. */
const shown = (lines: string[], text: string) =>
  lines.some((line) => line.startsWith('│ ') && line.replace(/[\u200b\s]/g, '').includes(text.replace(/\s/g, '')));

function expectNoSecretAnywhere(...runs: ActionRun[]) {
  const everything = runs
    .map((r) => r.stdout + r.stderr + r.summary + JSON.stringify(r.outputs) + JSON.stringify(r.state))
    .join('\n');
  for (const secret of LOGGED_SECRETS) expect(everything).not.toContain(secret);
}

function expectNoForgedCommand(run: ActionRun) {
  for (const line of commandsRun(run.stdout)) {
    expect(line).toMatch(/^::(error|warning|notice|debug|group|endgroup|add-mask)[ :]/);
    expect(line).not.toMatch(/pwned|set-output/);
  }
}

describe('dist: main starts the server, post stops it', () => {
  it('main leaves a forking server running for the job; post stops the whole group and shows its log safely', async () => {
    const port = await closedPort();
    const pidFile = join(mkdtempSync(join(tmpdir(), 'llm-preflight-pids-')), 'forks.pid');
    const main = await runAction({
      inputs: {
        'base-url': `http://127.0.0.1:${port}`,
        start: fixtureCommand('forks-child', port, pidFile),
        timeout: '30s',
      },
    });
    expect(main.code).toBe(0);
    expect(main.outputs.ready).toBe('true');
    expect(main.outputs.server).toBe('vllm');
    const logFile = main.outputs['log-file']!;
    expect(logFile.startsWith(main.runnerTemp)).toBe(true);
    expect(main.summary).toContain(logFile);
    expect(main.state).toEqual({
      serverPid: expect.stringMatching(/^\d+$/),
      logFile,
      gate: expect.stringMatching(/^\{"readyAtEpochMs":\d+,"server":"vllm"/),
      logOffset: expect.stringMatching(/^\d+$/),
    });

    // main's process has exited (runAction saw it close), and the server and its child live on.
    const pids = await readPids(pidFile);
    expect(isRunning(pids.parent)).toBe(true);
    expect(isRunning(pids.child!)).toBe(true);
    expect(await portIsFree(port)).toBe(false);

    const post = await runAction({ entry: 'post', after: main, timeoutMs: 15_000 });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Stopped the server started by llm-preflight (pid ${main.state.serverPid})`);
    expect(isRunning(pids.parent)).toBe(false);
    expect(isRunning(pids.child!)).toBe(false);
    expect(await portIsFree(port)).toBe(true);

    // The server's log, echoed live by main inside a group, each line made inert; post shows only what came
    // after main (nothing here), between ::stop-commands::<token> and ::<token>:: when there is some.
    const live = main.stdout.split('\n');
    expect(shown(live, 'error::pwned')).toBe(true);
    expect(shown(live, 'set-output name=ready::true')).toBe(true);
    expect(shown(live, 'error]legacy pwned')).toBe(true);
    expect(live).toContain('│ INFO:     Application startup complete.');
    expect(main.stdout).toMatch(/::group::Server output: server log \(live\)\n│ /);
    expect(byStopCommands(post.stdout).resumed).toBe(true);
    expect(post.stdout).not.toContain('Application startup complete');
    expect(post.stdout).not.toContain('\x1b');
    expectNoForgedCommand(main);
    expectNoForgedCommand(post);
    expectNoSecretAnywhere(main, post);
  });

  it('a started server that dies names its cause on the step line; nothing it printed runs or leaks', async () => {
    const port = await closedPort();
    const main = await runAction({
      inputs: { 'base-url': `http://127.0.0.1:${port}`, start: fixtureCommand('hostile-exit'), timeout: '60s' },
    });
    expect(main.code).toBe(1);
    expect(main.outputs.cause).toBe('out-of-memory');
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0]!.props).toMatchObject({ title: 'out-of-memory', line: String(WORKFLOW_STEP_LINE) });
    expect(main.errors[0]!.message).toContain('torch.OutOfMemoryError: CUDA out of memory');
    expect(main.summary).toContain(main.outputs['log-file']!);
    expectNoForgedCommand(main);

    const post = await runAction({ entry: 'post', after: main });
    expect(post.stdout).toContain('had already stopped');
    expect(shown(main.stdout.split('\n'), 'error::pwned')).toBe(true);
    expectNoForgedCommand(post);
    expectNoSecretAnywhere(main, post);
  });

  it('a cancelled main (SIGTERM) still saves what post needs, and post stops the server', async () => {
    const port = await closedPort();
    const pidFile = join(mkdtempSync(join(tmpdir(), 'llm-preflight-pids-')), 'loading.pid');
    const main = await runAction({
      inputs: {
        'base-url': `http://127.0.0.1:${port}`,
        start: fixtureCommand('loading', 0, pidFile),
        timeout: '60s',
      },
      // Once the server runs, main has its signal handlers: cancel it the way the runner does.
      onSpawn: (mainPid) => void readPids(pidFile).then(() => process.kill(mainPid, 'SIGTERM')),
    });
    expect(main.outputs.ready).toBe('false');
    expect(main.outputs.cause).toBe('cancelled');
    expect(main.state.serverPid).toMatch(/^\d+$/);
    const { parent } = await readPids(pidFile);
    expect(isRunning(parent)).toBe(true);

    const post = await runAction({ entry: 'post', after: main, timeoutMs: 15_000 });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('Stopped the server');
    expect(isRunning(parent)).toBe(false);
  });
});
