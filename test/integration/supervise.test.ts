import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { LOG_TAIL_BYTES } from '../../src/limits.js';
import { preflight, type Progress } from '../../src/engine/preflight.js';
import { stopProcessGroup } from '../../src/process/process-group.js';
import { startSources, type EvidenceSources } from '../../src/evidence/sources.js';
import { serverEnv } from '../../src/evidence/start-command.js';
import type { Evidence, PreflightResult } from '../../src/types.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand, isRunning, portIsFree, readPids } from '../support/fixtures/index.js';
import { plainText } from '../../src/text.js';

const temp = mkdtempSync(join(tmpdir(), 'llm-preflight-supervise-'));
const groups: number[] = [];

afterEach(async () => {
  // Whatever a test started, it does not outlive the test.
  for (const pid of groups.splice(0)) await stopProcessGroup(pid, 500);
});

function configOf(raw: RawInputs) {
  // A deadline the tests never reach: a failure named here was named at once, not at the deadline.
  const parsed = parseInputs({ timeout: '60s', 'request-timeout': '1s', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  return parsed.config;
}

function sourcesFor(raw: RawInputs): { config: ReturnType<typeof configOf>; sources: EvidenceSources } {
  const config = configOf(raw);
  const sources = startSources(config, {
    env: process.env,
    now: () => performance.now(),
    tempDir: temp,
  });
  if (sources.startedPid !== undefined) groups.push(sources.startedPid);
  return { config, sources };
}

/** The engine as run.ts wires it: sources first, then the wait, then the sources closed. */
async function run(
  raw: RawInputs,
  onProgress?: (p: Progress) => void,
): Promise<{ result: PreflightResult; sources: EvidenceSources }> {
  const { config, sources } = sourcesFor(raw);
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

const ofKind = <K extends Evidence['kind']>(result: PreflightResult, kind: K) =>
  result.finding!.evidence.filter((e): e is Extract<Evidence, { kind: K }> => e.kind === kind);

describe('start: a server that dies before it is ready is named at once, with the cause from its log', () => {
  it.each([
    { scenario: 'vllm-oom', cause: 'out-of-memory', quoted: 'torch.OutOfMemoryError: CUDA out of memory' },
    { scenario: 'vllm-gated', cause: 'gated-model', quoted: 'GatedRepoError' },
    { scenario: 'vllm-kv-cache', cause: 'out-of-memory', quoted: 'KV cache is needed' },
    { scenario: 'llamacpp-missing-gguf', cause: 'model-download-failed', quoted: 'failed to open GGUF file' },
    { scenario: 'tgi-gated', cause: 'gated-model', quoted: 'GatedRepoError' },
  ])('$scenario → $cause', async ({ scenario, cause, quoted }) => {
    const port = await closedPort();
    const { result } = await run({ 'base-url': `http://127.0.0.1:${port}`, start: fixtureCommand(scenario) });
    expect(result.finding?.cause).toBe(cause);
    expect(plainText(result.finding?.summary)).toContain(quoted);
    // The line decides, not the deadline: the quoted line comes first in the evidence.
    expect(result.finding?.evidence[0]).toMatchObject({ kind: 'log', source: 'server log', cause });
  });

  it('a silent exit is server-exited with its exit code', async () => {
    const port = await closedPort();
    const { result } = await run({
      'base-url': `http://127.0.0.1:${port}`,
      start: fixtureCommand('exit-quiet'),
    });
    expect(result.finding).toMatchObject({ cause: 'server-exited' });
    expect(plainText(result.finding?.summary)).toContain('exit code 3');
  });

  it('a server killed by SIGKILL while we wait is named at once, with the OOM killer as the likely reason', async () => {
    const port = await closedPort();
    const pidFile = join(temp, 'loading.pid');
    const waiting = run({
      'base-url': `http://127.0.0.1:${port}`,
      start: fixtureCommand('loading', 0, pidFile),
    });
    process.kill((await readPids(pidFile)).parent, 'SIGKILL');
    const { result } = await waiting;
    expect(result.finding?.cause).toBe('server-exited');
    expect(plainText(result.finding?.summary)).toMatch(/SIGKILL/);
    expect(plainText(result.finding?.hint)).toMatch(/out-of-memory killer/);
  });

  it('a server that kills itself (shell reports 137 or the signal) is named the same way', async () => {
    const port = await closedPort();
    const { result } = await run({
      'base-url': `http://127.0.0.1:${port}`,
      start: fixtureCommand('sigkill-self'),
    });
    expect(result.finding?.cause).toBe('server-exited');
    expect(plainText(result.finding?.summary)).toMatch(/SIGKILL/);
  });

  it.each([
    { start: 'true', hint: /foreground/ },
    { start: 'no-such-server-command-xyz --port 8000', hint: /could not find the command/ },
  ])('`$start` ends at once with a hint for its exit code', async ({ start, hint }) => {
    const port = await closedPort();
    const { result } = await run({ 'base-url': `http://127.0.0.1:${port}`, start });
    expect(result.finding?.cause).toBe('server-exited');
    expect(plainText(result.finding?.hint)).toMatch(hint);
  });

  it('a port held by another process: the bind error in the log names port-in-use', async () => {
    // A holder that accepts and never answers, like a hung server from an earlier step.
    const blocker: Server = createServer(() => {});
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { result } = await run({
        'base-url': `http://127.0.0.1:${port}`,
        start: fixtureCommand('port-in-use', port),
      });
      expect(result.finding?.cause).toBe('port-in-use');
      expect(plainText(result.finding?.summary)).toContain(`bind: address already in use`);
    } finally {
      blocker.closeAllConnections();
      blocker.close();
    }
  });
});

describe('start: a server that comes up', () => {
  it.each([
    { scenario: 'vllm-ready', server: 'vllm' },
    { scenario: 'ollama-ready', server: 'ollama' },
  ])('$scenario is ready, and keeps running after the wait', async ({ scenario, server }) => {
    const port = await closedPort();
    const { result, sources } = await run({
      'base-url': `http://127.0.0.1:${port}`,
      start: fixtureCommand(scenario, port),
    });
    expect(result).toMatchObject({ ready: true });
    expect(result.endpoints[0]?.server).toBe(server);
    expect(sources.logFile?.startsWith(temp)).toBe(true);
    expect(isRunning(sources.startedPid!)).toBe(true);
    expect(await stopProcessGroup(sources.startedPid!)).toBe('stopped');
    expect(await portIsFree(port)).toBe(true);
  });

  it('its ready line reaches the wait as a hint to probe at once', async () => {
    const port = await closedPort();
    const { sources } = sourcesFor({
      'base-url': `http://127.0.0.1:${port}`,
      start: fixtureCommand('vllm-ready', port),
    });
    try {
      await new Promise<void>((resolve) => sources.subscribe(() => {}, resolve));
      expect(sources.tails()[0]?.lines.at(-1)).toBe('INFO:     Application startup complete.');
    } finally {
      await sources.close();
    }
  });

  it('a command that puts the server in the background is watched through its process group', async () => {
    const port = await closedPort();
    const { result } = await run({
      'base-url': `http://127.0.0.1:${port}`,
      start: `${fixtureCommand('vllm-ready', port)} &`,
    });
    expect(result.ready).toBe(true);
    const notes = result.endpoints[0]!.timeline.filter((e) => e.kind === 'note');
    expect(JSON.stringify(notes)).toContain('keep running');
  });

  it('…and its end is noticed when the last of those processes dies', async () => {
    const port = await closedPort();
    const release = join(temp, 'release-background');
    const { config, sources } = sourcesFor({
      'base-url': `http://127.0.0.1:${port}`,
      // Runs in the background until the test, having seen the note, lets it exit.
      start: `(while [ ! -e '${release}' ]; do sleep 0.02; done; exit 3) &`,
    });
    sources.subscribe(
      (ev) => {
        if (ev.kind === 'note' && plainText(ev.text).includes('keep running')) writeFileSync(release, '');
      },
      () => {},
    );
    try {
      const result = await preflight(config, { env: {}, sources });
      expect(result.finding?.cause).toBe('server-exited');
      expect(plainText(result.finding?.summary)).toMatch(
        /processes the start command left running all ended/,
      );
    } finally {
      await sources.close();
    }
  });
});

describe('log-file', () => {
  it('reads lines written while we wait and names the cause from them', async () => {
    const port = await closedPort();
    const path = join(temp, 'written-during-wait.log');
    writeFileSync(path, 'INFO 11-23 10:00:00 [api_server.py:1839] vLLM API server version 0.11.2\n');
    let written = false;
    const { result } = await run({ 'base-url': `http://127.0.0.1:${port}`, 'log-file': path }, () => {
      if (written) return;
      written = true;
      appendFileSync(
        path,
        'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization`.\n',
      );
    });
    expect(result.finding?.cause).toBe('out-of-memory');
    expect(ofKind(result, 'log')[0]).toMatchObject({ source: path });
  });

  it('reads a bounded tail of a big file, from a whole line, and a file that appears later', async () => {
    const big = join(temp, 'big.log');
    // The fatal line is beyond the tail window: it belongs to an old run and must not be read.
    writeFileSync(
      big,
      'torch.OutOfMemoryError: CUDA out of memory.\n' + 'x'.repeat(LOG_TAIL_BYTES) + '\nrecent line\n',
    );
    const later = join(temp, 'later.log');
    const { sources } = sourcesFor({ 'log-file': big });
    const { sources: laterSources } = sourcesFor({ 'log-file': later });
    const evidence: Evidence[] = [];
    sources.subscribe(
      (ev) => evidence.push(ev),
      () => {},
    );
    const laterEvidence: Evidence[] = [];
    const seen = new Promise<void>((resolve) =>
      laterSources.subscribe(
        (ev) => {
          laterEvidence.push(ev);
          if (ev.kind === 'log') resolve();
        },
        () => {},
      ),
    );
    writeFileSync(later, 'Error: listen tcp 127.0.0.1:11434: bind: address already in use\n');
    await seen;
    await sources.close();
    await laterSources.close();
    expect(evidence).toEqual([]);
    expect(sources.tails()[0]?.lines).toEqual(['recent line']);
    expect(laterEvidence.map((e) => e.kind)).toEqual(['note', 'log']);
    expect(laterEvidence[1]).toMatchObject({ cause: 'port-in-use' });
  });
});

describe('the environment of a started server', () => {
  it('leaves out our inputs and state, and makes Python unbuffered unless told otherwise', () => {
    const env = serverEnv({
      PATH: '/bin',
      'INPUT_API-KEY': 'secret',
      STATE_serverPid: '1',
      HF_TOKEN: 'hf_x',
    });
    expect(env).toEqual({ PATH: '/bin', HF_TOKEN: 'hf_x', PYTHONUNBUFFERED: '1' });
    expect(serverEnv({ PYTHONUNBUFFERED: '0' }).PYTHONUNBUFFERED).toBe('0');
  });
});

describe('stopProcessGroup', () => {
  it('stops a server and the child it forked, freeing the port', async () => {
    const port = await closedPort();
    const pidFile = join(temp, 'forks.pid');
    const { sources } = sourcesFor({ start: fixtureCommand('forks-child', port, pidFile) });
    await sources.close();
    const pids = await readPids(pidFile);
    expect(isRunning(pids.parent) && isRunning(pids.child!)).toBe(true);
    expect(await stopProcessGroup(sources.startedPid!)).toBe('stopped');
    expect(isRunning(pids.parent)).toBe(false);
    expect(isRunning(pids.child!)).toBe(false);
    expect(await portIsFree(port)).toBe(true);
    expect(await stopProcessGroup(sources.startedPid!)).toBe('not-running');
  });

  it('kills a server that ignores SIGTERM once the grace period is over', async () => {
    const pidFile = join(temp, 'stubborn.pid');
    const { sources } = sourcesFor({ start: fixtureCommand('stubborn', 0, pidFile) });
    await sources.close();
    const { parent } = await readPids(pidFile);
    expect(await stopProcessGroup(sources.startedPid!, 200)).toBe('killed');
    expect(isRunning(parent)).toBe(false);
  });
});
