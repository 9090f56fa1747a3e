import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { saysListeningOn } from '../../src/engine/busy-port.js';
import { preflight, type Progress } from '../../src/engine/preflight.js';
import { startSources } from '../../src/evidence/sources.js';
import { stopProcessGroup } from '../../src/process/process-group.js';
import { plainText } from '../../src/text.js';
import type { PreflightResult } from '../../src/types.js';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { fixtureCommand } from '../support/fixtures/index.js';

const temp = mkdtempSync(join(tmpdir(), 'llm-preflight-busy-port-'));
const groups: number[] = [];
const strangers: FakeServer[] = [];

afterEach(async () => {
  for (const pid of groups.splice(0)) await stopProcessGroup(pid, 500);
  for (const server of strangers.splice(0)) await server.close();
});

/** An older server from an earlier step, holding the port before `start` runs, serving another model. */
async function olderServer(): Promise<FakeServer> {
  const server = await startFakeServer({ kind: 'vllm', models: ['the-older-servers-model'] });
  strangers.push(server);
  return server;
}

/** The engine as run.ts wires it when the port was found taken before `start`. */
async function runOnBusyPort(
  port: number,
  raw: RawInputs,
  onProgress?: (p: Progress) => void,
): Promise<PreflightResult> {
  const parsed = parseInputs({ 'base-url': `http://127.0.0.1:${port}`, 'request-timeout': '1s', ...raw });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const sources = startSources(parsed.config, {
    env: process.env,
    now: () => performance.now(),
    tempDir: temp,
  });
  if (sources.startedPid !== undefined) groups.push(sources.startedPid);
  try {
    return await preflight(parsed.config, {
      env: {},
      sources,
      busyBeforeStart: [`127.0.0.1:${port}`],
      ...(onProgress ? { onProgress } : {}),
    });
  } finally {
    await sources.close();
  }
}

const notesOf = (result: PreflightResult) =>
  result.endpoints[0]!.timeline.filter((e) => e.kind === 'note').map((e) => plainText(e.text));

describe('a port that was busy before start: ready only when the server that answers is ours', () => {
  it('a started server that logs a bind failure and lingers is port-in-use, never ready against the older one', async () => {
    const older = await olderServer();
    const result = await runOnBusyPort(older.port, {
      start: fixtureCommand('port-in-use-linger', older.port),
      timeout: '60s',
    });
    expect(result.ready).toBe(false);
    expect(result.finding?.cause).toBe('port-in-use');
    expect(plainText(result.finding!.summary)).toContain(
      `127.0.0.1:${older.port} was already taken before the start command ran`,
    );
    expect(plainText(result.finding!.summary)).toContain('[Errno 98]');
    // Named long before the deadline: the bind failure decides.
    expect(result.elapsedMs).toBeLessThan(30_000);
  });

  it('one that binds only after a long silent load keeps waiting, then is ready on its own socket', async () => {
    const older = await olderServer();
    let answersFromOlder = 0;
    const result = await runOnBusyPort(
      older.port,
      { start: fixtureCommand('binds-when-free', older.port), timeout: '60s' },
      (p) => {
        const ev = p.evidence;
        if (ev.kind !== 'attempt' || ev.result.kind !== 'http' || ev.stage !== 'models') return;
        // The older server answers with its model list, again and again, and is never believed; then it goes
        // away (the earlier step's server stopping) and ours binds.
        if (++answersFromOlder === 5) void older.close();
      },
    );
    expect(answersFromOlder).toBeGreaterThanOrEqual(5);
    expect(result.ready).toBe(true);
    expect(result.endpoints[0]!.models).toEqual(['Qwen/Qwen2.5-0.5B-Instruct']);
    // The evidence used is named in the timeline.
    expect(notesOf(result).join('\n')).toMatch(
      new RegExp(
        `The server we started \\(pid \\d+\\) holds the listening socket on 127\\.0\\.0\\.1:${older.port} \\(from /proc/net/tcp\\)`,
      ),
    );
    expect(result.endpoints[0]!.timeline).toContainEqual(
      expect.objectContaining({
        kind: 'listening',
        addresses: [`127.0.0.1:${older.port}`],
        via: '/proc/net/tcp',
      }),
    );
  });

  it('one that never takes the port over is port-in-use at the deadline, saying where it listens', async () => {
    const older = await olderServer();
    const result = await runOnBusyPort(older.port, {
      start: fixtureCommand('binds-when-free', older.port),
      timeout: '3s',
    });
    expect(result.ready).toBe(false);
    expect(result.finding?.cause).toBe('port-in-use');
    expect(plainText(result.finding!.summary)).toMatch(
      /never took it over \(it listens on no TCP port yet\): what answers there is another process/,
    );
  });
});

describe("a server's own word that it listens", () => {
  it.each([
    [
      '(APIServer pid=42) INFO 11-23 10:00:00 [api_server.py:1880] Starting vLLM API server 0 on http://127.0.0.1:8000',
      8000,
    ],
    ['INFO:     Uvicorn running on http://0.0.0.0:30000 (Press CTRL+C to quit)', 30000],
    [
      'time=2026-11-23T10:00:00.000Z level=INFO source=routes.go:1331 msg="Listening on 127.0.0.1:11434 (version 0.12.3)"',
      11434,
    ],
    ['main: server is listening on http://127.0.0.1:8080 - starting the main loop', 8080],
  ])('%s', (line, port) => {
    expect(saysListeningOn(line, port)).toBe(true);
    expect(saysListeningOn(line, port + 1)).toBe(false);
  });

  it('is not a bind failure, nor a port that only starts like ours', () => {
    expect(
      saysListeningOn(
        "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 8000)",
        8000,
      ),
    ).toBe(false);
    expect(saysListeningOn('Error: listen tcp 127.0.0.1:11434: bind: address already in use', 11434)).toBe(
      false,
    );
    expect(saysListeningOn('Uvicorn running on http://0.0.0.0:80001', 8000)).toBe(false);
  });
});
