import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { LOG_RING_LINES } from '../../src/limits.js';
import { preflight, type Progress } from '../../src/engine/preflight.js';
import { startSources, type EvidenceSources } from '../../src/evidence/sources.js';
import type { Evidence, PreflightResult } from '../../src/types.js';
import { closedPort } from '../support/fake-server.js';
import { until } from '../support/fixtures/index.js';
import { plainText } from '../../src/text.js';

// The docker CLI here is test/support/fake-docker/docker (a shell script first on PATH), driven by the
// files each test writes: `<id>.json` for `docker container inspect` (and `docker events`), `<id>.stdout|stderr`
// for `docker logs` (followed), `<id>.ports` for `docker ps --filter publish=`.
const FAKE_DOCKER = join(import.meta.dirname, '../support/fake-docker');

interface State {
  Status: string;
  ExitCode?: number;
  OOMKilled?: boolean;
  Error?: string;
  Health?: { Status: string };
}

/** One fake Docker daemon with one container, shaped as the Engine API's ContainerInspectResponse. */
function fakeDocker(id = 'llm') {
  const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-docker-'));
  let nanos = 0;
  const env = { ...process.env, PATH: `${FAKE_DOCKER}:${process.env.PATH}`, FAKE_DOCKER_DIR: dir };
  return {
    id,
    dir,
    env,
    setState(state: State, restartCount = 0) {
      const full = {
        Running: state.Status === 'running',
        Paused: false,
        Restarting: state.Status === 'restarting',
        OOMKilled: false,
        Dead: state.Status === 'dead',
        Pid: state.Status === 'running' ? 4242 : 0,
        ExitCode: 0,
        Error: '',
        StartedAt: '2026-11-23T10:00:00.000000000Z',
        FinishedAt: '0001-01-01T00:00:00Z',
        ...state,
      };
      const container = {
        Id: '4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2',
        Created: '2026-11-23T09:59:59.000000000Z',
        Path: 'vllm',
        Args: ['serve', 'Qwen/Qwen2.5-0.5B-Instruct'],
        State: full,
        Name: `/${id}`,
        RestartCount: restartCount,
      };
      writeFileSync(join(dir, `${id}.json`), JSON.stringify([container], null, 4) + '\n');
    },
    /** Appends lines the way the daemon stores them; `at` pins a timestamp (to test equal timestamps). */
    log(stream: 'stdout' | 'stderr', lines: string[], at?: string) {
      const stamped = lines.map((line) => {
        const ts = at ?? `2026-11-23T10:00:00.${String(++nanos).padStart(9, '0')}Z`;
        return `${ts} ${line}\n`;
      });
      appendFileSync(join(dir, `${id}.${stream}`), stamped.join(''));
    },
    lastTimestamp: () => `2026-11-23T10:00:00.${String(nanos).padStart(9, '0')}Z`,
    calls: () =>
      existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [],
  };
}

function watch(raw: RawInputs, env: Record<string, string | undefined>, containerPollMs = 100) {
  const parsed = parseInputs({ timeout: '60s', 'request-timeout': '1s', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  const sources = startSources(parsed.config, {
    env,
    now: () => performance.now(),
    containerPollMs,
  });
  return { config: parsed.config, sources };
}

async function run(
  raw: RawInputs,
  env: Record<string, string | undefined>,
  onProgress?: (p: Progress) => void,
): Promise<{ result: PreflightResult; sources: EvidenceSources }> {
  const { config, sources } = watch(raw, env);
  try {
    const result = await preflight(config, {
      env: {},
      sources,
      ...(onProgress ? { onProgress } : {}),
    });
    return { result, sources };
  } finally {
    await sources.close();
  }
}

const refusedUrl = async () => `http://127.0.0.1:${await closedPort()}`;

describe('container: state and logs through the docker CLI', () => {
  it('a container that dies of CUDA OOM while we wait is named from its log', async () => {
    const docker = fakeDocker();
    docker.setState({ Status: 'running' });
    docker.log('stdout', ['INFO 11-23 10:00:00 [api_server.py:1839] vLLM API server version 0.11.2']);
    let died = false;
    const { result } = await run({ 'base-url': await refusedUrl(), container: docker.id }, docker.env, () => {
      if (died) return;
      died = true;
      docker.log('stderr', [
        'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.',
        'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}',
      ]);
      docker.setState({ Status: 'exited', ExitCode: 1 });
    });
    expect(result.finding?.cause).toBe('out-of-memory');
    expect(plainText(result.finding?.summary)).toContain(
      'container llm says: torch.OutOfMemoryError: CUDA out of memory',
    );
  });

  it.each([
    {
      name: 'OOMKilled → out-of-memory',
      state: { Status: 'exited', ExitCode: 137, OOMKilled: true },
      restarts: 0,
      cause: 'out-of-memory',
      summary: /OOMKilled, exit code 137/,
    },
    {
      name: 'exited → server-exited with its exit code',
      state: { Status: 'exited', ExitCode: 2 },
      restarts: 0,
      cause: 'server-exited',
      summary: /is exited \(exit code 2\)/,
    },
    {
      name: 'restarting (a crash loop) → server-exited with the restart count',
      state: { Status: 'restarting', ExitCode: 1 },
      restarts: 3,
      cause: 'server-exited',
      summary: /is restarting \(exit code 1, restarted 3 times\)/,
    },
    {
      name: 'dead → server-exited',
      state: { Status: 'dead', ExitCode: 255 },
      restarts: 0,
      cause: 'server-exited',
      summary: /is dead/,
    },
  ])('$name', async ({ state, restarts, cause, summary }) => {
    const docker = fakeDocker();
    docker.setState(state, restarts);
    const { result } = await run({ 'base-url': await refusedUrl(), container: docker.id }, docker.env);
    expect(result.finding?.cause).toBe(cause);
    expect(plainText(result.finding?.summary)).toMatch(summary);
    expect(result.finding?.evidence[0]).toMatchObject({ kind: 'container', id: docker.id });
  });

  it("the daemon's own start error is read like a log line (LiteLLM's config passed as the command)", async () => {
    const docker = fakeDocker();
    docker.setState({
      Status: 'created',
      ExitCode: 127,
      Error:
        'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "--config": executable file not found in $PATH: unknown',
    });
    const { result } = await run({ 'base-url': await refusedUrl(), container: docker.id }, docker.env);
    expect(result.finding?.cause).toBe('server-exited');
    expect(plainText(result.finding?.hint)).toMatch(/entrypoint/);
  });

  it('a container that does not exist gives a finding at once, not a hang', async () => {
    const docker = fakeDocker();
    const { result } = await run({ 'base-url': await refusedUrl(), container: 'llm-typo' }, docker.env);
    expect(result.finding?.cause).toBe('server-exited');
    expect(plainText(result.finding?.summary)).toMatch(
      /container llm-typo does not exist \(docker: Error: No such container: llm-typo\)/,
    );
  });

  it.each([
    {
      name: 'docker is not installed',
      setup: () => ({ PATH: mkdtempSync(join(tmpdir(), 'no-docker-')) }),
      note: /docker CLI not found on PATH/,
    },
    {
      name: 'the daemon cannot be reached',
      setup: () => {
        const docker = fakeDocker();
        writeFileSync(join(docker.dir, 'daemon-down'), '');
        return docker.env;
      },
      note: /Cannot connect to the Docker daemon/,
    },
  ])('$name: one clear note, and the HTTP checks still decide', async ({ setup, note }) => {
    const { result } = await run(
      { 'base-url': await refusedUrl(), container: 'llm', timeout: '1s' },
      setup(),
    );
    expect(result.finding?.cause).toBe('connection-refused');
    const notes = result.endpoints[0]!.timeline.filter(
      (e): e is Extract<Evidence, { kind: 'note' }> => e.kind === 'note',
    );
    expect(notes).toHaveLength(1);
    expect(plainText(notes[0]!.text)).toMatch(note);
  });

  it('reads the log tail bounded, then only new lines: none missed, none repeated, stdout and stderr in order', async () => {
    const docker = fakeDocker();
    docker.setState({ Status: 'running', Health: { Status: 'starting' } });
    const old = Array.from({ length: LOG_RING_LINES + 50 }, (_, i) => `line ${i}`);
    docker.log('stdout', old);
    const { sources } = watch({ container: docker.id }, docker.env);
    try {
      const lines = () => sources.tails()[0]!.lines;
      await until(() => lines().includes(`line ${old.length - 1}`));
      // The first look took the last LOG_RING_LINES lines only.
      expect(lines()).toEqual(old.slice(-LOG_RING_LINES));
      // A line stamped with the same time as the newest one seen, then lines on both streams.
      docker.log('stdout', ['same time as the last line'], docker.lastTimestamp());
      docker.log('stderr', ['err 1']);
      docker.log('stdout', ['out 2']);
      docker.log('stderr', ['err 3', 'done']);
      await until(() => lines().includes('done'));
      expect(lines().slice(-5)).toEqual(['same time as the last line', 'err 1', 'out 2', 'err 3', 'done']);
      expect(new Set(lines()).size).toBe(lines().length);
      // Followed, not polled: one call, which reads each line as it is written.
      const logCalls = docker.calls().filter((c) => c.startsWith('logs'));
      expect(logCalls).toEqual([`logs --follow --timestamps --tail ${LOG_RING_LINES} -- ${docker.id}`]);
    } finally {
      await sources.close();
    }
  });

  it('a restarted container is followed again from the newest line read: none missed, none repeated', async () => {
    const docker = fakeDocker();
    docker.setState({ Status: 'running' });
    docker.log('stdout', ['first run 1', 'first run 2']);
    const { sources } = watch({ container: docker.id }, docker.env);
    try {
      const lines = () => sources.tails()[0]!.lines;
      const inspections = () => docker.calls().filter((c) => c.startsWith('container inspect')).length;
      await until(() => lines().includes('first run 2'));
      docker.setState({ Status: 'exited', ExitCode: 1 });
      // The follow ends with the container, and the state is looked at once more.
      await until(() => docker.calls().includes('# logs --follow ended') && inspections() >= 2);
      docker.setState({ Status: 'running' }, 1);
      docker.log('stdout', ['second run 1']);
      await until(() => lines().includes('second run 1'));
      expect(lines()).toEqual(['first run 1', 'first run 2', 'second run 1']);
      expect(
        docker
          .calls()
          .filter((c) => c.startsWith('logs'))
          .at(-1),
      ).toMatch(
        new RegExp(
          `^logs --follow --timestamps --tail ${LOG_RING_LINES} --since 2026-11-23T10:00:00\\.\\d{9}Z -- ${docker.id}$`,
        ),
      );
    } finally {
      await sources.close();
    }
  });
});

describe('container: event-driven, not polled', () => {
  it('a container that starts later is seen from `docker events`, not at the next look', async () => {
    const docker = fakeDocker();
    docker.setState({ Status: 'created' });
    // A minute between looks: only the start event can bring the line in before the test's own timeout.
    const { sources } = watch({ container: docker.id }, docker.env, 60_000);
    try {
      const inspections = () => docker.calls().filter((c) => c.startsWith('container inspect')).length;
      // The log of a container that is not running ends at once, and its state is looked at once more.
      await until(
        () =>
          docker.calls().some((c) => c.startsWith('events')) &&
          docker.calls().includes('# logs --follow ended') &&
          inspections() >= 2,
      );
      docker.setState({ Status: 'running' });
      docker.log('stdout', ['INFO:     Application startup complete.']);
      await until(() => sources.tails()[0]!.lines.includes('INFO:     Application startup complete.'));
      expect(docker.calls()).toContain(
        `events --filter container=${docker.id} --filter type=container --format {{json .}}`,
      );
    } finally {
      await sources.close();
    }
  });

  it('a container that dies is named from its followed log and its exit, with a minute between looks', async () => {
    const docker = fakeDocker();
    docker.setState({ Status: 'running' });
    let died = false;
    const { config, sources } = watch(
      { 'base-url': await refusedUrl(), container: docker.id, timeout: '30s' },
      docker.env,
      60_000,
    );
    try {
      const result = await preflight(config, {
        env: {},
        sources,
        onProgress: () => {
          if (died) return;
          died = true;
          docker.log('stderr', ['torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.']);
          docker.setState({ Status: 'exited', ExitCode: 1 });
        },
      });
      // Read at the next look, the line would have come a minute later, after the 30 s deadline.
      expect(result.finding?.cause).toBe('out-of-memory');
    } finally {
      await sources.close();
    }
  });
});

describe('container: found without wiring', () => {
  function discover(docker: ReturnType<typeof fakeDocker>, port: number) {
    const parsed = parseInputs({ 'base-url': `http://127.0.0.1:${port}`, timeout: '2s' });
    if (!parsed.ok) throw new Error('bad test inputs');
    return startSources(parsed.config, {
      env: docker.env,
      now: () => performance.now(),
      discoverPorts: [port],
    });
  }

  it("the one container publishing base-url's port is read as evidence, and the log says so", async () => {
    const docker = fakeDocker('vllm-service');
    docker.setState({ Status: 'running' });
    writeFileSync(join(docker.dir, 'vllm-service.ports'), '8000\n');
    docker.log('stdout', ['INFO 11-23 10:00:00 Loading weights took 12.3 seconds']);
    const sources = discover(docker, 8000);
    const seen: Evidence[] = [];
    sources.subscribe(
      (ev) => seen.push(ev),
      () => {},
    );
    try {
      await until(() => sources.tails().some((t) => t.lines.some((l) => l.includes('Loading weights'))));
      const note = seen.find((e): e is Extract<Evidence, { kind: 'note' }> => e.kind === 'note');
      expect(plainText(note!.text)).toBe(
        'Reading container vllm-service as evidence: it publishes port 8000 (set container to choose another).',
      );
      expect(sources.tails().map((t) => t.source)).toEqual(['container vllm-service']);
      expect(docker.calls()[0]).toBe('ps --filter publish=8000 --format {{.ID}} {{.Names}}');
    } finally {
      await sources.close();
    }
  });

  it('never guesses: two containers on the port are named, neither is read', async () => {
    const docker = fakeDocker('a');
    docker.setState({ Status: 'running' });
    writeFileSync(join(docker.dir, 'a.ports'), '8000\n');
    writeFileSync(join(docker.dir, 'b.ports'), '9000\n8000\n');
    const sources = discover(docker, 8000);
    const seen: Evidence[] = [];
    sources.subscribe(
      (ev) => seen.push(ev),
      () => {},
    );
    try {
      await until(() => seen.some((e) => e.kind === 'note'));
      const note = seen.find((e): e is Extract<Evidence, { kind: 'note' }> => e.kind === 'note');
      expect(plainText(note!.text)).toBe(
        '2 containers publish port 8000 (a, b): none is read as evidence; set container to choose one.',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sources.tails()).toEqual([]);
      expect(docker.calls().filter((c) => !c.startsWith('ps'))).toEqual([]);
    } finally {
      await sources.close();
    }
  });

  it('says nothing when no container publishes the port, or the daemon is down', async () => {
    const docker = fakeDocker();
    writeFileSync(join(docker.dir, 'daemon-down'), '');
    const sources = discover(docker, 8000);
    const seen: Evidence[] = [];
    sources.subscribe(
      (ev) => seen.push(ev),
      () => {},
    );
    await until(() => docker.calls().length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sources.close();
    expect(seen).toEqual([]);
  });
});
