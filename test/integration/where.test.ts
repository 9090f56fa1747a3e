import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import { startSources } from '../../src/evidence/sources.js';
import { stopProcessGroup } from '../../src/process/process-group.js';
import { plainText } from '../../src/text.js';
import type { PreflightResult } from '../../src/types.js';
import { closedPort } from '../support/fake-server.js';
import { fixtureCommand } from '../support/fixtures/index.js';

const temp = mkdtempSync(join(tmpdir(), 'llm-preflight-where-'));
const groups: number[] = [];

afterEach(async () => {
  for (const pid of groups.splice(0)) await stopProcessGroup(pid, 500);
});

async function run(raw: RawInputs): Promise<PreflightResult> {
  const parsed = parseInputs({ timeout: '3s', 'request-timeout': '1s', ...raw });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const sources = startSources(parsed.config, {
    env: process.env,
    now: () => performance.now(),
    tempDir: temp,
  });
  if (sources.startedPid !== undefined) groups.push(sources.startedPid);
  try {
    return await preflight(parsed.config, { env: {}, sources });
  } finally {
    await sources.close();
  }
}

/** A start command whose server listens on host:port and says nothing. */
const listenOn = (host: string, port: number) =>
  `'${process.execPath}' -e "require('node:net').createServer().listen(${port}, '${host}'); setInterval(() => {}, 60000)"`;

describe('the server we started listens, but not where base-url points', () => {
  it('another port: the finding names both and gives the corrected base-url', async () => {
    const [serverPort, basePort] = [await closedPort(), await closedPort()];
    const result = await run({
      'base-url': `http://127.0.0.1:${basePort}`,
      start: fixtureCommand('vllm-ready', serverPort),
    });
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding!.summary)).toBe(
      `The server you started listens on 127.0.0.1:${serverPort}, base-url says ${basePort}.`,
    );
    expect(plainText(result.finding!.hint)).toContain(`Set base-url to http://127.0.0.1:${serverPort}/v1`);
    expect(result.finding!.evidence[0]).toMatchObject({
      kind: 'listening',
      addresses: [`127.0.0.1:${serverPort}`],
    });
  });

  it('only 127.0.0.1 while base-url uses another address of this machine', async () => {
    const port = await closedPort();
    const result = await run({ 'base-url': `http://127.0.0.2:${port}`, start: listenOn('127.0.0.1', port) });
    expect(plainText(result.finding!.summary)).toBe(
      `The server you started listens only on 127.0.0.1:${port}, base-url says 127.0.0.2: nothing of it listens on that address.`,
    );
    expect(plainText(result.finding!.hint)).toContain(
      `Set base-url to http://127.0.0.1:${port}/v1, or start the server on every address`,
    );
  });

  it('only ::1 while base-url says 127.0.0.1 (the reverse)', async () => {
    const port = await closedPort();
    const result = await run({ 'base-url': `http://127.0.0.1:${port}`, start: listenOn('::1', port) });
    expect(plainText(result.finding!.summary)).toContain(
      `listens only on [::1]:${port}, base-url says 127.0.0.1`,
    );
    expect(plainText(result.finding!.hint)).toContain(`http://[::1]:${port}/v1`);
  });

  it('a server that listens nowhere yet keeps the usual refusal finding', async () => {
    const port = await closedPort();
    const result = await run({ 'base-url': `http://127.0.0.1:${port}`, start: fixtureCommand('loading') });
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding!.summary)).toContain('nothing is listening there');
    expect(result.endpoints[0]!.timeline).toContainEqual(
      expect.objectContaining({ kind: 'listening', addresses: [] }),
    );
  });
});
