import { describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import { runCli } from '../../src/entry/cli.js';
import { plainText } from '../../src/text.js';
import type { Evidence, PreflightResult } from '../../src/types.js';
import { closedPort, startBlackhole, startFakeServer, startRawServer } from '../support/fake-server.js';

async function check(
  raw: RawInputs,
  deps: { env?: Record<string, string>; neighbourPorts?: number[] } = {},
): Promise<PreflightResult> {
  const parsed = parseInputs({ timeout: '1s', 'request-timeout': '500ms', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  return preflight(parsed.config, { env: deps.env ?? {}, neighbourPorts: deps.neighbourPorts ?? [] });
}

const summary = (r: PreflightResult) => plainText(r.finding?.summary) ?? '';
const hint = (r: PreflightResult) => plainText(r.finding?.hint) ?? '';
const scans = (r: PreflightResult) =>
  r.endpoints[0]!.timeline.filter(
    (e): e is Extract<Evidence, { kind: 'neighbours' }> => e.kind === 'neighbours',
  );

describe('a server next door', () => {
  it('names the server answering on another well-known port, its kind and models, and the base-url to use', async () => {
    await using neighbour = await startFakeServer({ kind: 'llamacpp', models: ['qwen2.5-0.5b'] });
    const refused = await closedPort();
    const result = await check(
      { 'base-url': `http://127.0.0.1:${refused}` },
      { neighbourPorts: [neighbour.port, await closedPort()] },
    );
    expect(result.finding?.cause).toBe('connection-refused');
    expect(summary(result)).toContain(
      `nothing is listening there, but a llama.cpp server answers on 127.0.0.1:${neighbour.port} serving qwen2.5-0.5b`,
    );
    expect(hint(result)).toContain(`Set base-url to http://127.0.0.1:${neighbour.port}/v1.`);
    // Bounded: the scan asked the neighbour once, for its model list, and nothing else.
    expect(neighbour.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    expect(scans(result)).toHaveLength(1);
    expect(result.finding?.evidence.some((e) => e.kind === 'neighbours')).toBe(true);
  });

  it('scans loopback even when base-url says localhost, and keeps the host the user wrote in the fix', async () => {
    await using neighbour = await startFakeServer({ kind: 'vllm', models: ['m'] });
    const result = await check(
      { 'base-url': `http://localhost:${await closedPort()}` },
      { neighbourPorts: [neighbour.port] },
    );
    expect(scans(result)[0]).toMatchObject({ scannedHost: '127.0.0.1', scannedPorts: [neighbour.port] });
    expect(summary(result)).toContain(`a vLLM server answers on 127.0.0.1:${neighbour.port} serving m`);
    expect(hint(result)).toContain(`http://localhost:${neighbour.port}/v1`);
  });

  it('a neighbour that wants a key is named without sending it one', async () => {
    await using neighbour = await startFakeServer({
      kind: 'litellm',
      models: ['gpt'],
      apiKey: 'sk-next-door',
    });
    const result = await check(
      { 'base-url': `http://127.0.0.1:${await closedPort()}`, 'api-key': 'sk-for-base-url' },
      { neighbourPorts: [neighbour.port] },
    );
    expect(summary(result)).toContain(`answers on 127.0.0.1:${neighbour.port} (it asks for an API key)`);
    expect(neighbour.requests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('nothing next door either: says it is no port mix-up', async () => {
    const ports = [await closedPort(), await closedPort()];
    const result = await check(
      { 'base-url': `http://127.0.0.1:${await closedPort()}` },
      { neighbourPorts: ports },
    );
    expect(summary(result)).toContain('nothing is listening there.');
    expect(hint(result)).toContain(
      `Nothing answers on the other well-known ports of this machine either (${ports.join(', ')})`,
    );
  });

  it('is never tried against another host, nor when the connect times out', async () => {
    await using neighbour = await startFakeServer({ kind: 'llamacpp', models: ['m'] });
    await using blackhole = await startBlackhole();
    const dropped = await check(
      { 'base-url': blackhole.url, 'request-timeout': '200ms' },
      { neighbourPorts: [neighbour.port] },
    );
    expect(dropped.finding?.cause).toBe('connection-refused');
    expect(scans(dropped)).toHaveLength(0);
    // A name that resolves to no address of this machine: the scan is for this machine only.
    const remote = await check(
      { 'base-url': 'http://preflight-remote.invalid:8000' },
      { neighbourPorts: [neighbour.port] },
    );
    expect(remote.finding?.cause).toBe('dns-failure');
    expect(scans(remote)).toHaveLength(0);
    expect(neighbour.requests).toHaveLength(0);
  });
});

describe('environment that moves the port', () => {
  it('PORT in the step environment: names the variable and the base-url it implies', async () => {
    await using litellm = await startFakeServer({ kind: 'litellm', models: ['gpt'] });
    const result = await check(
      { 'base-url': `http://127.0.0.1:${await closedPort()}` },
      { env: { PORT: String(litellm.port) }, neighbourPorts: [litellm.port] },
    );
    expect(summary(result)).toContain(`a LiteLLM proxy answers on 127.0.0.1:${litellm.port} serving gpt`);
    expect(summary(result)).toContain(
      `PORT=${litellm.port} in the step's environment makes LiteLLM proxy and Hugging Face TGI listen on port ${litellm.port}`,
    );
    expect(hint(result)).toContain(`Set base-url to http://127.0.0.1:${litellm.port}/v1.`);
  });

  it('PORT written into start, for a server started on another port than base-url', async () => {
    const port = await closedPort();
    const refused = await closedPort();
    const server = `require('http').createServer((q,s)=>{s.setHeader('content-type','application/json');s.end(JSON.stringify({object:'list',data:[{id:'m',object:'model',owned_by:'openai'}]}))}).listen(Number(process.env.PORT),'127.0.0.1')`;
    let stdout = '';
    const code = await runCli(
      [
        '--json',
        '--timeout',
        '1500ms',
        '--start',
        `PORT=${port} exec node -e "${server}"`,
        `http://127.0.0.1:${refused}`,
      ],
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: () => true },
        env: { ...process.env } as Record<string, string>,
      },
    );
    try {
      expect(code).toBe(1);
      const report = JSON.parse(stdout) as { cause: string; summary: string; hint: string };
      expect(report.cause).toBe('connection-refused');
      expect(report.summary).toContain(
        `PORT=${port} in start makes LiteLLM proxy and Hugging Face TGI listen on port ${port}`,
      );
      expect(report.hint).toContain(`Set base-url to http://127.0.0.1:${port}/v1`);
    } finally {
      const pid = (JSON.parse(stdout) as { startedPid?: number }).startedPid;
      if (pid) process.kill(-pid, 'SIGKILL');
    }
  });

  it('a Kubernetes Service named vllm: VLLM_PORT=tcp://… is named as such', async () => {
    const result = await check(
      { 'base-url': `http://127.0.0.1:${await closedPort()}`, server: 'vllm' },
      { env: { VLLM_PORT: 'tcp://10.96.0.12:8000' } },
    );
    expect(summary(result)).toContain(
      "VLLM_PORT=tcp://10.96.0.12:8000 in the step's environment is a Kubernetes Service link",
    );
    expect(hint(result)).toContain('enableServiceLinks: false');
  });

  it("VLLM_PORT on base-url's port collides with the API server", async () => {
    const port = await closedPort();
    const result = await check(
      { 'base-url': `http://127.0.0.1:${port}` },
      { env: { VLLM_PORT: String(port) } },
    );
    expect(summary(result)).toContain(
      `VLLM_PORT=${port} in the step's environment is the first of vLLM's internal ports`,
    );
  });

  it('a variable for another kind than the one forced is left out', async () => {
    const result = await check(
      { 'base-url': `http://127.0.0.1:${await closedPort()}`, server: 'ollama' },
      { env: { PORT: '4000', OLLAMA_HOST: '0.0.0.0:11500' } },
    );
    expect(summary(result)).toContain('OLLAMA_HOST=0.0.0.0:11500');
    expect(summary(result)).not.toContain('PORT=4000');
    expect(hint(result)).toContain('http://127.0.0.1:11500/v1');
  });
});

describe('reset behind a port mapping, and dropped connections', () => {
  it('a reset names the flag that binds 0.0.0.0 for the kind', async () => {
    await using server = await startRawServer((socket) => socket.resetAndDestroy());
    const result = await check({ 'base-url': server.url, server: 'sglang' });
    expect(result.finding?.cause).toBe('no-response');
    expect(hint(result)).toContain('bind it to 0.0.0.0 (python -m sglang.launch_server --host 0.0.0.0)');
  });

  it('a dropped connect on this machine is a local firewall rule, named with the port', async () => {
    await using blackhole = await startBlackhole();
    const result = await check({ 'base-url': blackhole.url, 'request-timeout': '200ms' });
    expect(summary(result)).toContain('dropped, not refused');
    expect(hint(result)).toContain(
      `local firewall rule (iptables or nftables DROP on TCP port ${blackhole.port})`,
    );
  });
});
