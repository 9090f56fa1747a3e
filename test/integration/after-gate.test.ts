import { appendFileSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseAfterGate } from '../../src/entry/after-gate.js';
import { lookAfterGate } from '../../src/entry/after-gate-sources.js';
import type { GateSnapshot } from '../../src/entry/gate-state.js';
import { runCli } from '../../src/entry/cli.js';
import { plainText } from '../../src/text.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand } from '../support/fixtures/index.js';

/** A log file another step writes, as the main step left it at the gate. */
function logFileAtGate(lines: string[]) {
  const path = join(mkdtempSync(join(tmpdir(), 'llm-preflight-logfile-')), 'server.log');
  writeFileSync(path, lines.map((l) => l + '\n').join(''));
  const snapshot: GateSnapshot = {
    readyAtEpochMs: Date.now(),
    server: 'vllm',
    baseUrl: 'http://127.0.0.1:8000/v1',
    logFile: { path, offsetBytes: statSync(path).size },
  };
  return { path, snapshot };
}

describe('after the gate, with a log file alone', () => {
  it('a fatal line written after the gate is reported, with the lines from the gate on only', async () => {
    const { path, snapshot } = logFileAtGate(['INFO:     Application startup complete.']);
    appendFileSync(
      path,
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 14.57 GiB of which 1.06 GiB is free.\n',
    );
    const look = await lookAfterGate(snapshot, process.env);
    expect(look.tails).toEqual([
      { source: path, lines: [expect.stringMatching(/^torch\.OutOfMemoryError/)] },
    ]);
    const found = diagnoseAfterGate(look, snapshot)!;
    expect(found).toMatchObject({ cause: 'out-of-memory', ended: 'reported', decisive: { source: path } });
    expect(plainText(found.hint)).toMatch(/GPU ran out of memory/);
    expect(found.afterGateMs).toBeGreaterThanOrEqual(0);
  });

  it('ordinary lines after the gate, or an error from before it, draw nothing', async () => {
    const { path, snapshot } = logFileAtGate([
      'RuntimeError: Engine core initialization failed. See root cause above.',
    ]);
    appendFileSync(path, 'INFO:     127.0.0.1:58264 - "POST /v1/chat/completions HTTP/1.1" 200 OK\n');
    expect(diagnoseAfterGate(await lookAfterGate(snapshot, process.env), snapshot)).toBeUndefined();
  });
});

describe('the CLI', () => {
  it('--json carries the start-up profile', async () => {
    const port = await closedPort();
    let stdout = '';
    const code = await runCli(
      [
        `http://127.0.0.1:${port}`,
        '--json',
        '--timeout',
        '30s',
        '--start',
        fixtureCommand('vllm-dies-on-request', port),
      ],
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: () => true },
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    // The CLI leaves the server running; the first completion ends this one.
    await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body: '{}' }).catch(
      () => undefined,
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      startup: Record<string, number>;
      startup_profile: { rows: unknown[] };
    };
    expect(report.startup).toMatchObject({ download: 41584, compile: 19370, 'graph-capture': 15000 });
    expect(report.startup_profile.rows).toContainEqual(
      expect.objectContaining({ phase: 'download', label: 'weights download', measured: 'printed' }),
    );
  });
});
