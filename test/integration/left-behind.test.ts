import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import { detachedContainerId } from '../../src/evidence/left-behind.js';
import { startSources } from '../../src/evidence/sources.js';
import { processRunning, stopProcess, stopProcessGroup } from '../../src/process/process-group.js';
import { plainText } from '../../src/text.js';
import type { LeftBehind, PreflightResult } from '../../src/types.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand, portIsFree, readPids } from '../support/fixtures/index.js';

const temp = mkdtempSync(join(tmpdir(), 'llm-preflight-left-behind-'));
const FAKE_DOCKER = join(import.meta.dirname, '../support/fake-docker');
const CONTAINER_ID = '4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2';
const toStop: number[] = [];

afterEach(async () => {
  for (const pid of toStop.splice(0)) await stopProcess(pid, 500);
});

async function run(raw: RawInputs, env: Record<string, string | undefined> = process.env) {
  const parsed = parseInputs({ timeout: '30s', 'request-timeout': '1s', ...raw });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const left: LeftBehind[] = [];
  const sources = startSources(parsed.config, {
    env,
    now: () => performance.now(),
    tempDir: temp,
    onLeftBehind: (l) => left.push(l),
  });
  let result: PreflightResult;
  try {
    result = await preflight(parsed.config, { env: {}, sources });
  } finally {
    await sources.close();
  }
  return { result, left, shell: sources.startedPid! };
}

const notes = (result: PreflightResult) =>
  result.endpoints[0]!.timeline.flatMap((e) => (e.kind === 'note' ? [plainText(e.text)] : []));

describe('a start command that daemonizes and exits 0: the server it left behind is found', () => {
  it.each([
    { how: 'setsid -f', start: (cmd: string) => `setsid -f ${cmd}` },
    { how: 'setsid … &', start: (cmd: string) => `setsid ${cmd} &` },
  ])('$how: ready, named in the timeline, and handed over for the post step', async ({ start }) => {
    const port = await closedPort();
    const pidFile = join(temp, `daemon-${port}.pid`);
    const { result, left, shell } = await run({
      'base-url': `http://127.0.0.1:${port}`,
      start: start(fixtureCommand('vllm-ready', port, pidFile)),
    });
    const { parent: server } = await readPids(pidFile);
    toStop.push(server);
    expect(result.ready).toBe(true);
    expect(left).toEqual([{ kind: 'processes', pids: [server] }]);
    expect(notes(result).join('\n')).toContain(
      `leaving its server outside its process group (setsid or a daemon): pid ${server}`,
    );
    // The shell's group is gone; the server is not, and it leads a group of its own, which the post step stops.
    expect(await stopProcessGroup(shell)).toBe('not-running');
    expect(processRunning(server)).toBe(true);
    expect(await stopProcessGroup(server)).toBe('stopped');
    expect(await portIsFree(port)).toBe(true);
  });

  it('the daemon dying is still noticed as the end of what the start command left running', async () => {
    const port = await closedPort();
    const { result, left } = await run({
      'base-url': `http://127.0.0.1:${port}`,
      start: `setsid -f sh -c 'sleep 0.5; exit 1'`,
    });
    expect(left).toHaveLength(1);
    expect(result.ready).toBe(false);
    expect(result.finding?.cause).toBe('server-exited');
    expect(plainText(result.finding!.summary)).toMatch(/processes the start command left running all ended/);
  });

  it('a docker run -d container is named as such and watched through the docker CLI', async () => {
    const port = await closedPort();
    const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-docker-'));
    const pidFile = join(dir, 'server.pid');
    writeFileSync(join(dir, 'run-id'), `${CONTAINER_ID}\n`);
    // The container's server: outside our group and log, as a container's process is.
    writeFileSync(
      join(dir, 'on-run'),
      `#!/bin/sh\nsetsid ${fixtureCommand('vllm-ready', port, pidFile)} &\n`,
    );
    chmodSync(join(dir, 'on-run'), 0o755);
    writeFileSync(
      join(dir, `${CONTAINER_ID}.json`),
      JSON.stringify([
        {
          Id: CONTAINER_ID,
          State: { Status: 'running', Running: true, ExitCode: 0, OOMKilled: false },
          RestartCount: 0,
        },
      ]),
    );
    const env = { ...process.env, PATH: `${FAKE_DOCKER}:${process.env.PATH}`, FAKE_DOCKER_DIR: dir };
    const { result, left } = await run(
      {
        'base-url': `http://127.0.0.1:${port}`,
        start: `docker run -d -p ${port}:8000 vllm/vllm-openai --model Qwen/Qwen2.5-0.5B-Instruct`,
      },
      env,
    );
    toStop.push((await readPids(pidFile)).parent);
    expect(result.ready).toBe(true);
    expect(left).toEqual([{ kind: 'container', id: CONTAINER_ID }]);
    expect(notes(result).join('\n')).toContain(
      'The start command ran container 4fa6e0f0c678 in the background (docker run -d)',
    );
    expect(readFileSync(join(dir, 'calls'), 'utf8')).toContain(`container inspect -- ${CONTAINER_ID}`);
  });
});

describe('which start commands ran a container detached', () => {
  it.each([
    ['docker run -d -p 8000:8000 img', true],
    ['docker run --rm -dit img', true],
    ['podman container run --detach img', true],
    ['docker run --gpus all -e HF_TOKEN -p 8000:8000 img', false],
    ['docker compose up -d', false],
    ['echo docker', false],
  ])('%s: %s', (command, detached) => {
    expect(detachedContainerId(command, ['Unable to find image locally', CONTAINER_ID]) !== undefined).toBe(
      detached,
    );
  });
});
