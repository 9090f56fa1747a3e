import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/entry/cli.js';
import {
  checkWhereabouts,
  systemProbes,
  type DoctorCheck,
  type DoctorProbes,
} from '../../src/doctor/index.js';
import { closedPort, startFakeServer } from '../support/fake-server.js';

const target = (port: number) => ({ host: '127.0.0.1', port, root: `http://127.0.0.1:${port}` });

describe('checkWhereabouts', () => {
  it('a neighbour answering while base-url refuses → warn with the base-url to use', () => {
    const check = checkWhereabouts({
      target: target(8000),
      env: {},
      listening: false,
      neighbours: [
        { host: '127.0.0.1', port: 8080, server: 'llamacpp', models: ['qwen2.5-0.5b'], status: 200 },
      ],
      scannedPorts: [8080, 11434],
    });
    expect(check).toMatchObject({
      name: 'where',
      verdict: 'warn',
      detail:
        'Nothing listens on 127.0.0.1:8000 now, but a llama.cpp server answers on 127.0.0.1:8080 serving qwen2.5-0.5b.',
      fix: 'Set base-url to http://127.0.0.1:8080/v1.',
    });
  });

  it('a variable at odds with base-url → warn naming it, even while the port is open', () => {
    const check = checkWhereabouts({
      target: target(8000),
      env: { LLAMA_ARG_PORT: '8081' },
      listening: true,
      neighbours: [],
      scannedPorts: [],
    });
    expect(check.verdict).toBe('warn');
    expect(check.detail).toContain(
      "LLAMA_ARG_PORT=8081 in the step's environment makes llama.cpp llama-server listen on port 8081",
    );
    expect(check.fix).toContain('http://127.0.0.1:8081/v1');
  });

  it('nothing anywhere → info, never a failure', () => {
    const check = checkWhereabouts({
      target: target(8000),
      env: {},
      listening: false,
      neighbours: [],
      scannedPorts: [8080],
    });
    expect(check.verdict).toBe('info');
    expect(check.detail).toMatch(
      /Nothing listens on 127\.0\.0\.1:8000 now\. Nothing answers on the other well-known ports/,
    );
  });
});

describe('llm-preflight doctor URL', () => {
  it('scans this machine for the server, with real connections, and exits 0', async () => {
    await using neighbour = await startFakeServer({ kind: 'ollama', models: ['qwen2.5:0.5b'] });
    const refused = await closedPort();
    const real = systemProbes();
    // This machine's probes, but only the neighbour's port is scanned: the well-known ones may hold anything here.
    const probes: DoctorProbes = { ...real, neighbours: () => real.neighbours!([neighbour.port]) };
    let stdout = '';
    const code = await runCli(['doctor', '--json', `http://127.0.0.1:${refused}`], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: { PORT: String(neighbour.port) },
      doctorProbes: { ...probes, freeBytes: async () => 100e9 },
    });
    const where = (JSON.parse(stdout) as { checks: DoctorCheck[] }).checks.find((c) => c.name === 'where');
    expect(where?.detail).toContain(
      `an Ollama server answers on 127.0.0.1:${neighbour.port} serving qwen2.5:0.5b`,
    );
    expect(where?.detail).toContain(`PORT=${neighbour.port} in the step's environment`);
    expect(where?.verdict).toBe('warn');
    expect(code).toBe(0);
    expect(neighbour.requests.map((r) => r.path)).toEqual(['/v1/models']);
  });
});
