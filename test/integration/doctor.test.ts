import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/entry/cli.js';
import { noProxyCovers } from '../../src/net/proxy-env.js';
import {
  checkContainer,
  checkDisk,
  checkDocker,
  checkGpu,
  checkLocalhost,
  checkProxy,
  diskLocations,
  DISK_FAIL_BYTES,
  DISK_WARN_BYTES,
  doctorExitCode,
  renderDoctor,
  runDoctor,
  systemProbes,
  type CommandResult,
  type DoctorCheck,
  type DoctorProbes,
} from '../../src/doctor/index.js';

const GB = 1_000_000_000;
const ran = (r: Partial<CommandResult>): CommandResult => ({ exitCode: 0, stdout: '', stderr: '', ...r });
const missing = ran({ error: 'ENOENT', exitCode: null });

describe('checkProxy', () => {
  it.each([
    { name: 'no proxy variable → ok', env: {}, verdict: 'ok', detail: /No proxy variable/ },
    {
      name: 'proxy with every loopback form in NO_PROXY → ok',
      env: { HTTP_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,127.0.0.1,::1' },
      verdict: 'ok',
      detail: /NO_PROXY covers localhost, 127\.0\.0\.1, ::1/,
    },
    {
      name: 'proxy without NO_PROXY → warn, naming every uncovered host',
      env: { https_proxy: 'http://proxy:3128' },
      verdict: 'warn',
      detail: /does not cover localhost, 127\.0\.0\.1, ::1/,
    },
    {
      name: 'NO_PROXY=localhost only → warn for the addresses',
      env: { HTTP_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost' },
      verdict: 'warn',
      detail: /does not cover 127\.0\.0\.1, ::1:/,
    },
    {
      name: 'a CIDR and a bracketed IPv6 entry count',
      env: { ALL_PROXY: 'socks5://proxy:1080', no_proxy: 'localhost,127.0.0.0/8,[::1]' },
      verdict: 'ok',
      detail: /covers/,
    },
    {
      name: '* covers everything',
      env: { HTTP_PROXY: 'http://proxy:3128', NO_PROXY: '*' },
      verdict: 'ok',
      detail: /covers/,
    },
    {
      name: 'the two spellings differ and one lacks loopback → warn (clients read different ones)',
      env: { HTTP_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,127.0.0.1,::1', no_proxy: 'example.com' },
      verdict: 'warn',
      detail: /no_proxy and NO_PROXY differ/,
    },
  ])('$name', ({ env, verdict, detail }) => {
    const check = checkProxy(env, []);
    expect(check.verdict).toBe(verdict);
    expect(check.detail).toMatch(detail);
    if (verdict === 'warn') expect(check.fix).toMatch(/NO_PROXY=.*localhost.*no_proxy=/);
  });

  it('also checks the hosts of the servers named, and keeps the existing entries in the fix', () => {
    const check = checkProxy({ HTTP_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,127.0.0.1,::1,.corp' }, [
      'vllm',
    ]);
    expect(check.verdict).toBe('warn');
    expect(check.detail).toMatch(/does not cover vllm:/);
    expect(check.fix).toBe(
      'Set both spellings for the job: NO_PROXY=localhost,127.0.0.1,::1,.corp,vllm and no_proxy=localhost,127.0.0.1,::1,.corp,vllm.',
    );
  });

  it('never shows proxy credentials', () => {
    const check = checkProxy({ HTTPS_PROXY: 'http://alice:s3cret-pass@proxy.corp:3128' }, []);
    expect(JSON.stringify(check)).not.toContain('s3cret-pass');
    expect(check.detail).toContain('proxy.corp:3128');
  });
});

describe('noProxyCovers', () => {
  it.each([
    { host: 'localhost', list: 'localhost', covered: true },
    { host: '127.0.0.1', list: '127.0.0.1:8000', covered: true },
    { host: '::1', list: '::1', covered: true },
    { host: '::1', list: '[::1]:8000', covered: true },
    { host: '127.0.0.1', list: '127.0.0.0/8', covered: true },
    { host: '10.0.0.1', list: '127.0.0.0/8', covered: false },
    { host: 'api.corp.example', list: '.corp.example', covered: true },
    { host: 'api.corp.example', list: '*.corp.example', covered: true },
    { host: 'corp.example', list: 'corp.example', covered: true },
    { host: 'notcorp.example', list: 'corp.example', covered: false },
    { host: 'localhost', list: '', covered: false },
  ])('$host in "$list" → $covered', ({ host, list, covered }) => {
    expect(noProxyCovers(host, list)).toBe(covered);
  });
});

describe('checkLocalhost', () => {
  const v4 = { address: '127.0.0.1', family: 4 };
  const v6 = { address: '::1', family: 6 };
  it.each([
    {
      name: 'both families → ok',
      result: { addresses: [v4, v6] },
      verdict: 'ok',
      detail: /both IPv4 and IPv6/,
    },
    {
      name: '::1 first → ok, saying a first-address-only client is refused',
      result: { addresses: [v6, v4] },
      verdict: 'ok',
      detail: /tries only the first address gets ::1/,
    },
    { name: 'IPv4 only → ok', result: { addresses: [v4] }, verdict: 'ok', detail: /IPv4 only/ },
    { name: 'IPv6 only → warn', result: { addresses: [v6] }, verdict: 'warn', detail: /IPv6 only.*refused/ },
    {
      name: 'does not resolve → fail',
      result: { error: 'ENOTFOUND' },
      verdict: 'fail',
      detail: /does not resolve \(ENOTFOUND\)/,
    },
  ])('$name', ({ result, verdict, detail }) => {
    const check = checkLocalhost(result);
    expect(check.verdict).toBe(verdict);
    expect(check.detail).toMatch(detail);
  });
});

describe('checkContainer', () => {
  it.each([
    {
      name: 'Actions job in a container → use the service label',
      facts: { dockerenv: true, containerenv: false, cgroup: undefined, env: { GITHUB_ACTIONS: 'true' } },
      detail: /inside a container \(\/\.dockerenv exists\).*http:\/\/<label>:<port>/,
    },
    {
      name: 'Actions job on the host → use localhost and the mapped port',
      facts: { dockerenv: false, containerenv: false, cgroup: '0::/\n', env: { GITHUB_ACTIONS: 'true' } },
      detail: /on the runner host.*localhost:<mapped port>/,
    },
    {
      name: 'cgroup v1 naming docker counts as a container',
      facts: { dockerenv: false, containerenv: false, cgroup: '12:pids:/docker/3f2a\n', env: {} },
      detail: /inside a container \(\/proc\/1\/cgroup/,
    },
    {
      name: 'podman marks its containers with /run/.containerenv',
      facts: { dockerenv: false, containerenv: true, cgroup: undefined, env: {} },
      detail: /\/run\/\.containerenv exists/,
    },
    {
      name: 'neither Actions nor a container',
      facts: { dockerenv: false, containerenv: false, cgroup: '0::/\n', env: {} },
      detail: /Not in GitHub Actions, and not inside a container/,
    },
  ])('$name', ({ facts, detail }) => {
    const check = checkContainer(facts);
    expect(check.verdict).toBe('info');
    expect(check.detail).toMatch(detail);
  });
});

describe('checkDocker', () => {
  const noSocket = { socket: '/var/run/docker.sock', socketExists: false };
  it.each([
    {
      name: 'engine answers → ok',
      result: ran({ stdout: '27.3.1\n' }),
      verdict: 'ok',
      detail: /engine 27\.3\.1 is reachable/,
    },
    { name: 'no CLI, no socket → info', result: missing, verdict: 'info', detail: /No Docker here/ },
    {
      name: 'no CLI but a socket → info naming it',
      result: missing,
      socket: { socket: '/var/run/docker.sock', socketExists: true },
      verdict: 'info',
      detail: /socket exists at \/var\/run\/docker\.sock/,
    },
    {
      name: 'CLI but no daemon → warn with its message',
      result: ran({
        exitCode: 1,
        stderr:
          'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      }),
      verdict: 'warn',
      detail: /not reachable: Cannot connect to the Docker daemon/,
    },
    {
      name: 'permission denied → the fix is the docker group',
      result: ran({
        exitCode: 1,
        stderr: 'permission denied while trying to connect to the Docker daemon socket\n',
      }),
      verdict: 'warn',
      detail: /permission denied/,
      fix: /docker group/,
    },
    {
      name: 'hung engine → warn',
      result: ran({ error: 'TIMEOUT', exitCode: null }),
      verdict: 'warn',
      detail: /did not answer within 5 s/,
    },
  ])('$name', ({ result, socket, verdict, detail, fix }) => {
    const check = checkDocker(result, socket ?? noSocket);
    expect(check.verdict).toBe(verdict);
    expect(check.detail).toMatch(detail);
    if (fix) expect(check.fix).toMatch(fix);
  });
});

describe('checkGpu', () => {
  it.each([
    {
      name: 'GPUs listed → ok, without UUIDs',
      result: ran({ stdout: 'GPU 0: NVIDIA A10G (UUID: GPU-1b2c3d4e-aaaa-bbbb-cccc-123456789abc)\n' }),
      verdict: 'ok',
      detail: /^1 GPU\(s\): GPU 0: NVIDIA A10G\.$/,
    },
    {
      name: 'no nvidia-smi → info (CPU servers still work)',
      result: missing,
      verdict: 'info',
      detail: /Ollama and llama\.cpp run on the CPU/,
    },
    {
      name: 'driver not loaded → warn',
      result: ran({
        exitCode: 9,
        stdout:
          "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
      }),
      verdict: 'warn',
      detail: /couldn't communicate with the NVIDIA driver/,
    },
    {
      name: 'hung driver → warn',
      result: ran({ error: 'TIMEOUT', exitCode: null }),
      verdict: 'warn',
      detail: /did not answer within 5 s/,
    },
  ])('$name', ({ result, verdict, detail }) => {
    const check = checkGpu(result);
    expect(check.verdict).toBe(verdict);
    expect(check.detail).toMatch(detail);
  });
});

describe('checkDisk', () => {
  const at = (freeBytes: number | undefined) => [
    { label: 'Hugging Face cache', path: '/home/runner/.cache/huggingface', freeBytes: 80 * GB },
    { label: 'runner temp', path: '/home/runner/work/_temp', freeBytes },
  ];
  it.each([
    { name: 'plenty everywhere → ok', free: 50 * GB, verdict: 'ok' },
    { name: 'under the warning bound somewhere → warn', free: DISK_WARN_BYTES - 1, verdict: 'warn' },
    { name: 'under the failure bound somewhere → fail', free: DISK_FAIL_BYTES - 1, verdict: 'fail' },
    { name: 'unknown for one place → judged on the others', free: undefined, verdict: 'ok' },
  ])('$name', ({ free, verdict }) => {
    const check = checkDisk(at(free));
    expect(check.verdict).toBe(verdict);
    expect(check.detail).toContain('Hugging Face cache (/home/runner/.cache/huggingface): 80.0 GB free');
  });

  it('looks where downloads land: HF_HOME, OLLAMA_MODELS, RUNNER_TEMP', () => {
    expect(
      diskLocations(
        { HF_HOME: '/data/hf', OLLAMA_MODELS: '/data/ollama', RUNNER_TEMP: '/rt' },
        '/home/u',
        '/tmp',
      ),
    ).toEqual([
      { label: 'Hugging Face cache', path: '/data/hf/hub' },
      { label: 'Ollama models', path: '/data/ollama' },
      { label: 'runner temp', path: '/rt' },
    ]);
    expect(diskLocations({}, '/home/u', '/tmp')).toEqual([
      { label: 'Hugging Face cache', path: '/home/u/.cache/huggingface' },
      { label: 'Ollama models', path: '/home/u/.ollama/models' },
      { label: 'temp', path: '/tmp' },
    ]);
  });
});

/** A stated environment: a runner host with a proxy, no Docker engine, no GPU and a full disk. */
function statedProbes(overrides: Partial<DoctorProbes> = {}): DoctorProbes {
  return {
    lookup: async () => ({ addresses: [{ address: '127.0.0.1', family: 4 }] }),
    exists: async () => false,
    readText: async () => '0::/\n',
    run: async (command) =>
      command === 'docker' ? ran({ exitCode: 1, stderr: 'Cannot connect to the Docker daemon\n' }) : missing,
    freeBytes: async () => 512 * 1024 ** 2,
    homedir: '/home/runner',
    tmpdir: '/tmp',
    ...overrides,
  };
}

describe('runDoctor', () => {
  it('runs every check, in a stable order, and fails only on a failed check', async () => {
    const checks = await runDoctor(
      { GITHUB_ACTIONS: 'true', HTTP_PROXY: 'http://proxy:3128' },
      statedProbes(),
    );
    expect(checks.map((c) => [c.name, c.verdict])).toEqual([
      ['proxy', 'warn'],
      ['localhost', 'ok'],
      ['container', 'info'],
      ['docker', 'warn'],
      ['gpu', 'info'],
      ['disk', 'fail'],
    ]);
    expect(doctorExitCode(checks)).toBe(1);
    expect(doctorExitCode(checks.filter((c) => c.name !== 'disk'))).toBe(0);
  });

  it('gives up on a lookup that hangs', async () => {
    const checks = await runDoctor({}, statedProbes({ lookup: () => new Promise(() => {}) }), {
      lookupTimeoutMs: 50,
    });
    expect(checks.find((c) => c.name === 'localhost')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringMatching(/TIMEOUT/),
    });
  });
});

describe('llm-preflight doctor', () => {
  const io = (probes: DoctorProbes, env: Record<string, string> = {}) => {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      io: {
        stdout: { write: (t: string) => (out.stdout += t) },
        stderr: { write: (t: string) => (out.stderr += t) },
        env,
        doctorProbes: probes,
      },
    };
  };

  it('prints one JSON document with --json and exits 1 when a check fails', async () => {
    const { out, io: cliIo } = io(statedProbes());
    const code = await runCli(['doctor', '--json'], cliIo);
    expect(code).toBe(1);
    const report = JSON.parse(out.stdout) as { ok: boolean; checks: DoctorCheck[] };
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.name)).toEqual([
      'proxy',
      'localhost',
      'container',
      'docker',
      'gpu',
      'disk',
    ]);
    expect(out.stderr).toBe('');
  });

  it('prints a verdict per line with its fix, and exits 0 when nothing failed', async () => {
    const { out, io: cliIo } = io(statedProbes({ freeBytes: async () => 100 * GB }), {
      HTTPS_PROXY: 'http://bob:hunter2-secret@proxy.corp:3128',
    });
    const code = await runCli(['doctor', 'http://vllm:8000'], cliIo);
    expect(code).toBe(0);
    expect(out.stdout).toMatch(
      /^! proxy +HTTPS_PROXY=http:\/\/\*\*\*@proxy\.corp:3128, and NO_PROXY does not cover localhost, 127\.0\.0\.1, ::1, vllm/m,
    );
    expect(out.stdout).toMatch(/^ +fix: Set both spellings/m);
    expect(out.stdout).toMatch(/^✔ localhost/m);
    expect(out.stdout).toMatch(/0 failed, 2 warnings\.$/m);
    expect(out.stdout).not.toContain('hunter2-secret');
  });

  it('runs even when other inputs are invalid', async () => {
    const { io: cliIo } = io(statedProbes({ freeBytes: async () => 100 * GB }), {
      LLM_PREFLIGHT_TIMEOUT: 'soon',
    });
    expect(await runCli(['doctor'], cliIo)).toBe(0);
  });

  it('renders the stated environment as text', () => {
    const text = renderDoctor([
      { name: 'gpu', verdict: 'info', detail: 'No GPU.' },
      { name: 'disk', verdict: 'fail', detail: 'Full.', fix: 'Free space.' },
    ]);
    expect(text.split('\n').slice(2, 5)).toEqual([
      '· gpu   No GPU.',
      '✘ disk  Full.',
      '        fix: Free space.',
    ]);
  });
});

describe('systemProbes (this machine)', () => {
  const probes = systemProbes();

  it('reports a command that is not installed as ENOENT', async () => {
    expect(await probes.run('llm-preflight-no-such-command', [], 2_000)).toMatchObject({ error: 'ENOENT' });
  });

  it('kills a command that outlives its bound and says TIMEOUT', async () => {
    const result = await probes.run(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], 200);
    expect(result).toMatchObject({ error: 'TIMEOUT', exitCode: null });
  });

  it('cuts a command whose output passes the bound, and says OUTPUT_TOO_LONG', async () => {
    const result = await probes.run(
      process.execPath,
      ['-e', 'console.log("GPU 0: x\\n".repeat(20_000)); setTimeout(() => {}, 10_000)'],
      5_000,
    );
    expect(result).toMatchObject({ error: 'OUTPUT_TOO_LONG', exitCode: null });
    expect(result.stdout.length).toBeLessThanOrEqual(64 * 1024);
    expect(result.stdout.endsWith('GPU 0: x\n')).toBe(true);
  });

  it('gives a command’s exit code and output', async () => {
    const result = await probes.run(
      process.execPath,
      ['-e', 'console.log("27.3.1"); process.exit(3)'],
      5_000,
    );
    expect(result).toMatchObject({ exitCode: 3, stdout: '27.3.1\n' });
    expect(result.error).toBeUndefined();
  });

  it('measures free space where a cache directory will be created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-preflight-doctor-'));
    expect(await probes.freeBytes(join(dir, 'not', 'yet', 'created'))).toBeGreaterThan(0);
  });

  it('resolves localhost to at least one loopback address', async () => {
    const result = await probes.lookup('localhost');
    expect(
      'addresses' in result &&
        result.addresses.every((a) => a.address === '127.0.0.1' || a.address === '::1'),
    ).toBe(true);
  });
});
