import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from '../support/action-runner.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand, isRunning, portIsFree, readPids } from '../support/fixtures/index.js';

const FAKE_DOCKER = join(import.meta.dirname, '../support/fake-docker');
const CONTAINER_ID = '4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2';

describe('dist: a start command that daemonizes, and the post step that stops what it left', () => {
  it('setsid -f: main is ready, post stops the server it left behind and says so truly', async () => {
    const port = await closedPort();
    const pidFile = join(mkdtempSync(join(tmpdir(), 'llm-preflight-pids-')), 'daemon.pid');
    const main = await runAction({
      inputs: { 'base-url': `http://127.0.0.1:${port}`, start: `setsid -f ${fixtureCommand('vllm-ready', port, pidFile)}`, timeout: '30s' },
    });
    const { parent: server } = await readPids(pidFile);
    expect(main.code).toBe(0);
    expect(main.outputs.ready).toBe('true');
    expect(main.state.leftPids).toBe(String(server));
    expect(isRunning(server)).toBe(true);

    const post = await runAction({ entry: 'post', after: main, timeoutMs: 15_000 });
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(
      `Stopped the server the start command left running outside its process group (pid ${server}, listening on 127.0.0.1:${port}).`,
    );
    // Not the group's sentence: that group ended when the command returned.
    expect(post.stdout).not.toContain('every process of its group');
    expect(post.stdout).toContain(`The start command (pid ${main.state.serverPid}) had already returned`);
    expect(isRunning(server)).toBe(false);
    expect(await portIsFree(port)).toBe(true);
  });

  it('docker run -d: the container is named, and post removes it through the docker CLI', async () => {
    const port = await closedPort();
    const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-docker-'));
    const pidFile = join(dir, 'server.pid');
    writeFileSync(join(dir, 'run-id'), `${CONTAINER_ID}\n`);
    // What the container runs, outside our group and our log, as a container's process is.
    writeFileSync(join(dir, 'on-run'), `#!/bin/sh\nsetsid -f ${fixtureCommand('vllm-ready', port, pidFile)}\n`);
    chmodSync(join(dir, 'on-run'), 0o755);
    writeFileSync(
      join(dir, `${CONTAINER_ID}.json`),
      JSON.stringify([{ Id: CONTAINER_ID, State: { Status: 'running', Running: true, ExitCode: 0 }, RestartCount: 0 }]),
    );
    const env = { PATH: `${FAKE_DOCKER}:${process.env.PATH}`, FAKE_DOCKER_DIR: dir };
    try {
      const main = await runAction({
        inputs: {
          'base-url': `http://127.0.0.1:${port}`,
          start: `docker run -d -p ${port}:8000 vllm/vllm-openai --model Qwen/Qwen2.5-0.5B-Instruct`,
          timeout: '30s',
        },
        env,
      });
      expect(main.outputs.ready).toBe('true');
      expect(main.state.containerId).toBe(CONTAINER_ID);
      expect(main.summary).toContain('ran container 4fa6e0f0c678 in the background (docker run -d)');

      const post = await runAction({ entry: 'post', after: main, env, timeoutMs: 15_000 });
      expect(post.code).toBe(0);
      expect(readFileSync(join(dir, 'calls'), 'utf8')).toContain(`rm -f -- ${CONTAINER_ID}`);
      expect(post.stdout).toContain('Removed the container the start command ran with docker run -d (4fa6e0f0c678).');

      // A container that cannot be removed (the daemon is gone) is a warning with the command to run.
      writeFileSync(join(dir, 'daemon-down'), '');
      const again = await runAction({ entry: 'post', after: main, env, timeoutMs: 15_000 });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`::warning::Could not remove the container .*stop it with: docker rm -f ${CONTAINER_ID}`));
    } finally {
      process.kill((await readPids(pidFile)).parent, 'SIGKILL');
    }
  });
});
