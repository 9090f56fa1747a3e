import { describe, expect, it } from 'vitest';
import { boundedExec } from '../../src/process/bounded-exec.js';

const node = (script: string, timeoutMs = 5_000, maxBytesPerStream = 1024) =>
  boundedExec(process.execPath, ['-e', script], { timeoutMs, maxBytesPerStream });

describe('boundedExec (real processes)', () => {
  it('gives the exit code and both streams of a command that ends by itself', async () => {
    const result = await node('console.log("out"); console.error("err"); process.exit(3)');
    expect(result).toEqual({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      truncated: { stdout: false, stderr: false },
      timedOut: false,
    });
  });

  it('reports a command that is not installed as ENOENT, as a value', async () => {
    const result = await boundedExec('llm-preflight-no-such-command', [], {
      timeoutMs: 2_000,
      maxBytesPerStream: 1024,
    });
    expect(result).toMatchObject({ spawnError: 'ENOENT', exitCode: null, stdout: '', timedOut: false });
  });

  it('reports arguments that cannot be passed (a NUL byte) as a value, not an exception', async () => {
    const result = await boundedExec('echo', ['a\0b'], { timeoutMs: 2_000, maxBytesPerStream: 1024 });
    expect(result.spawnError).toBe('ERR_INVALID_ARG_VALUE');
    expect(result.exitCode).toBeNull();
  });

  it('kills a command that outlives its bound and says so', async () => {
    const startedAt = Date.now();
    // The bound leaves a loaded machine time to start node and print; the sleep is far past it.
    const result = await node('console.log("started"); setTimeout(() => {}, 30_000)', 2_000);
    expect(result).toMatchObject({ timedOut: true, exitCode: null, stdout: 'started\n' });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it('cuts only the stream that passed its bound, drops its half line, and stops the command', async () => {
    const startedAt = Date.now();
    // 200 lines of 10 bytes on stderr (2 000 bytes, bound 1 024), one short line on stdout, then a long wait.
    const result = await node(
      'console.log("short"); for (let i = 0; i < 200; i++) console.error(String(i).padStart(9, "0")); setTimeout(() => {}, 10_000)',
    );
    expect(result.truncated).toEqual({ stdout: false, stderr: true });
    expect(result.stdout).toBe('short\n');
    // 102 whole lines fit in 1 024 bytes; the 103rd was cut after 4 bytes and is dropped.
    expect(result.stderr.split('\n')).toEqual([
      ...Array.from({ length: 102 }, (_, i) => String(i).padStart(9, '0')),
      '',
    ]);
    expect(result.timedOut).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('never splits a character at the cut', async () => {
    // "é" is two bytes: 1 024 bytes end in the middle of one, on a line with no end.
    const result = await node('process.stdout.write("ok\\n" + "é".repeat(2_000))');
    expect(result.truncated.stdout).toBe(true);
    expect(result.stdout).toBe('ok\n');
  });

  it('runs the command in the environment it is given', async () => {
    const result = await boundedExec(process.execPath, ['-e', 'console.log(process.env.ONLY_THIS)'], {
      timeoutMs: 5_000,
      maxBytesPerStream: 1024,
      env: { ONLY_THIS: 'yes' },
    });
    expect(result.stdout).toBe('yes\n');
  });
});
