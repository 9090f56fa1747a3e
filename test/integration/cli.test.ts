import { describe, expect, it } from 'vitest';
import { runCli, VERSION } from '../../src/entry/cli.js';
import { closedPort } from '../support/fake-server.js';

/** The CLI in-process (ncc's "API mode"): exit codes, one line per expected error, never a stack or a secret. */
async function cli(argv: string[], options: { env?: Record<string, string>; signal?: AbortSignal } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout, stderr };
}

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('runCli', () => {
  it.each([
    { name: '--help prints the usage', argv: ['--help'], code: 0, stdout: /Usage: llm-preflight/ },
    {
      name: '--version prints the version',
      argv: ['--version'],
      code: 0,
      stdout: new RegExp(`^${VERSION}\\n$`),
    },
  ])('$name', async ({ argv, code, stdout }) => {
    const run = await cli(argv);
    expect(run.code).toBe(code);
    expect(run.stdout).toMatch(stdout);
    expect(run.stderr).toBe('');
  });

  it.each([
    { name: 'an unknown flag', argv: ['--frobnicate'], says: /--frobnicate/ },
    { name: 'a flag without its value', argv: ['--timeout'], says: /--timeout/ },
    { name: 'a bad duration', argv: ['--timeout', 'soon'], says: /--timeout .*got "soon".*--timeout 10m/ },
    { name: 'a bad server kind', argv: ['--server', 'gpt5'], says: /--server must be auto or one of/ },
    {
      name: 'a base-url without a scheme',
      argv: ['localhost:8000'],
      says: /--base-url must start with http/,
    },
  ])('$name: exit 2, one line naming the flag, no stack', async ({ argv, says }) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(says);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('with --json, bad input is one JSON document on stdout with cause invalid-input', async () => {
    const run = await cli(['--json', '--request-timeout', '1ms']);
    expect(run.code).toBe(2);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ready: false, cause: 'invalid-input' });
  });

  it.each([
    {
      name: 'a password in a base-url that is rejected',
      argv: ['http://bob:hunter2-sekret@llm:port'],
      secret: 'hunter2-sekret',
    },
    {
      name: 'a token in a base-url that is rejected',
      argv: ['http://llm:8000/#x?token=tok-0123456789'],
      secret: 'tok-0123456789',
    },
    {
      name: 'the api-key cut in half by the length bound of the echo',
      argv: [
        '--api-key',
        'key-0123456789abcdef',
        `http://llm:8000/${'x'.repeat(50)}?key-0123456789abcdef#frag`,
      ],
      secret: 'key-0123',
    },
  ])('never echoes $name', async ({ argv, secret }) => {
    for (const json of [[], ['--json']]) {
      const run = await cli([...json, ...argv]);
      expect(run.code).toBe(2);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it('a malformed %-escape in the URL password is a password, not a crash', async () => {
    const port = await closedPort();
    const run = await cli([`http://u:50%off@127.0.0.1:${port}`, '--json', '--timeout', '1s']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).cause).toBe('connection-refused');
    expect(run.stdout + run.stderr).not.toContain('50%off');
  });

  it('a signal that came before the wait began still ends it as "cancelled", exit 130', async () => {
    const port = await closedPort();
    const run = await cli([`http://127.0.0.1:${port}`, '--json', '--timeout', '30s'], {
      signal: AbortSignal.abort('SIGINT'),
    });
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({ ready: false, cause: 'cancelled' });
  });
});

describe('the CLI in its own words', () => {
  it.each([
    {
      argv: ['--frobnicate'],
      line: 'llm-preflight: unknown flag --frobnicate. Run llm-preflight --help for the flags.',
    },
    { argv: ['-x'], line: 'llm-preflight: unknown flag -x. Run llm-preflight --help for the flags.' },
    {
      argv: ['--timeout'],
      line: 'llm-preflight: --timeout needs a value: --timeout <duration>. Run llm-preflight --help for the flags.',
    },
    {
      argv: ['--timeout', '--json'],
      line: 'llm-preflight: --timeout needs a value: --timeout <duration>. Run llm-preflight --help for the flags.',
    },
    {
      argv: ['--smoke=yes'],
      line: 'llm-preflight: --smoke takes no value; got "yes". Run llm-preflight --help for the flags.',
    },
  ])('$argv: one line naming the flag, exit 2', async ({ argv, line }) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`${line}\n`);
    expect(run.stderr).not.toMatch(/option|'--'|argument/i);
  });

  it.each([
    {
      env: { LLM_PREFLIGHT_TIMEOUT: 'soon' },
      says: /^LLM_PREFLIGHT_TIMEOUT must be a duration.*got "soon".*LLM_PREFLIGHT_TIMEOUT=10m/,
    },
    {
      env: { LLM_PREFLIGHT_SHELL: 'fish' },
      says: /^LLM_PREFLIGHT_SHELL must be one of bash, sh, pwsh, cmd, python; got "fish"/,
    },
    { env: { OPENAI_BASE_URL: 'localhost:8000' }, says: /^OPENAI_BASE_URL must start with http/ },
  ] as Array<{ env: Record<string, string>; says: RegExp }>)(
    'a bad environment default names its variable, not a flag: $env',
    async ({ env, says }) => {
      const run = await cli([], { env });
      expect(run.code).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.replace(/^\S+ /, '')).toMatch(says);
      expect(run.stderr).not.toMatch(/--timeout|--shell|--base-url/);
    },
  );

  it('a flag wins over a bad variable, and is what a bad value is blamed on', async () => {
    const run = await cli(['--timeout', 'soon'], { env: { LLM_PREFLIGHT_TIMEOUT: '5m' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--timeout .*got "soon"/);
    expect(run.stderr).not.toContain('LLM_PREFLIGHT_TIMEOUT');
  });

  it('--help lists the environment defaults, marking those set here without their values', async () => {
    const run = await cli(['--help'], {
      env: { LLM_PREFLIGHT_TIMEOUT: '5m', OPENAI_API_KEY: 'sk-secret-value-1' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}LLM_PREFLIGHT_TIMEOUT \(set\) +--timeout$/m);
    expect(run.stdout).toMatch(/^ {2}LLM_PREFLIGHT_API_KEY +--api-key; else OPENAI_API_KEY \(set\)$/m);
    expect(run.stdout).toMatch(/^ {2}LLM_PREFLIGHT_BASE_URL +--base-url; else OPENAI_BASE_URL$/m);
    expect(run.stdout).toContain('--shell <name>');
    expect(run.stdout).not.toContain('sk-secret-value-1');
  });
});
