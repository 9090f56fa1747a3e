import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import { plainText } from '../../src/text.js';
import type { PreflightResult } from '../../src/types.js';
import { closedPort } from '../support/fake-server.js';

// The docker CLI is test/support/fake-docker/docker, first on PATH, answering from the records written here.
const FAKE_DOCKER = join(import.meta.dirname, '../support/fake-docker');

interface Service {
  id: string;
  label: string;
  containerPort: number;
  hostPort?: number;
}

function dockerWith(services: Service[]): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-labels-'));
  for (const s of services) {
    const record = {
      Id: `${s.id}0123456789abcdef`,
      Name: `/${s.id}`,
      State: { Status: 'running' },
      Config: { ExposedPorts: { [`${s.containerPort}/tcp`]: {} } },
      NetworkSettings: {
        Ports: {
          [`${s.containerPort}/tcp`]: s.hostPort
            ? [
                { HostIp: '0.0.0.0', HostPort: String(s.hostPort) },
                { HostIp: '::', HostPort: String(s.hostPort) },
              ]
            : null,
        },
        Networks: { github_network_1a2b: { Aliases: [s.label, s.id.slice(0, 12)] } },
      },
    };
    writeFileSync(join(dir, `${s.id}.json`), JSON.stringify([record], null, 2) + '\n');
  }
  return { dir, env: { PATH: `${FAKE_DOCKER}:${process.env.PATH}`, FAKE_DOCKER_DIR: dir } };
}

async function run(
  baseUrl: string,
  env: Record<string, string>,
  inContainerJob: boolean,
): Promise<PreflightResult> {
  const parsed = parseInputs({ 'base-url': baseUrl, timeout: '2s', 'request-timeout': '1s' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return preflight(parsed.config, { env, neighbourPorts: [], inContainerJob });
}

const calls = (dir: string) => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');

describe('a service label from the runner', () => {
  it('names the mapped localhost port and the corrected base-url', async () => {
    const hostPort = await closedPort();
    const docker = dockerWith([
      { id: 'c0ffee000001', label: 'other', containerPort: 8000, hostPort: 1 + hostPort },
      { id: 'c0ffee000002', label: 'llmpreflightsvc', containerPort: 8000, hostPort },
    ]);
    const result = await run('http://llmpreflightsvc:8000/v1', docker.env, false);
    expect(result.finding?.cause).toBe('dns-failure');
    expect(plainText(result.finding!.summary)).toBe(
      `The host name "llmpreflightsvc" is the label of the container c0ffee000002, which resolves only inside a container job; from this job on the runner it is at localhost:${hostPort} (Docker maps it to its port 8000).`,
    );
    expect(plainText(result.finding!.hint)).toContain(`Set base-url to http://localhost:${hostPort}/v1`);
    expect(result.finding!.evidence.map((e) => e.kind)).toContain('service-containers');
    // Two bounded calls, nothing else: no host is contacted beyond what base-url names.
    expect(calls(docker.dir)).toEqual(['ps -q', 'container inspect -- c0ffee000001 c0ffee000002']);
  });

  it('without a docker CLI that answers, the finding is the one it was', async () => {
    const docker = dockerWith([]);
    writeFileSync(join(docker.dir, 'daemon-down'), '');
    const result = await run('http://llmpreflightsvc:8000/v1', docker.env, false);
    expect(result.finding?.cause).toBe('dns-failure');
    expect(plainText(result.finding!.hint)).toContain('use http://localhost:<mapped port>');
  });
});

describe('localhost from a container job', () => {
  it('names the labels of the services with base-url’s port', async () => {
    const port = await closedPort();
    const docker = dockerWith([
      { id: 'beef00000001', label: 'llm', containerPort: port },
      { id: 'beef00000002', label: 'redis', containerPort: 6379 },
    ]);
    const result = await run(`http://localhost:${port}/v1`, docker.env, true);
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding!.summary)).toContain(
      `this is a container job, so localhost is the job's own container; the service container on its network with port ${port} is reached by label: llm`,
    );
    expect(plainText(result.finding!.summary)).not.toContain('redis');
    expect(plainText(result.finding!.hint)).toContain(`Set base-url to http://llm:${port}/v1`);
  });

  it('on the runner, a refusing localhost asks docker nothing', async () => {
    const port = await closedPort();
    const docker = dockerWith([{ id: 'beef00000001', label: 'llm', containerPort: port }]);
    const result = await run(`http://localhost:${port}/v1`, docker.env, false);
    expect(result.finding?.cause).toBe('connection-refused');
    expect(plainText(result.finding!.summary)).not.toContain('label');
    expect(() => calls(docker.dir)).toThrow();
  });
});
