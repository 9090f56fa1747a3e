import { describe, expect, it } from 'vitest';
import { taskkillArgs, taskkillOutcome } from '../../src/process/process-group.js';
import { defaultShell, findProgram, shellInvocation, type ShellHost } from '../../src/process/shell.js';

// What runs on the macOS and Windows runners, decided by pure functions so that Linux can test it: which
// shell `start` gets and its command line, and how the post step stops a process tree on Windows.

/** A machine that has exactly these executables. */
function host(platform: NodeJS.Platform, env: Record<string, string>, files: string[]): ShellHost {
  return { platform, env, isExecutable: (path) => files.includes(path) };
}

const linux = host('linux', { PATH: '/usr/local/bin:/usr/bin:/bin' }, [
  '/usr/bin/bash',
  '/usr/bin/sh',
  '/usr/bin/python3',
]);
const alpine = host('linux', { PATH: '/usr/local/bin:/usr/bin:/bin' }, ['/bin/sh']);
const macos = host('darwin', { PATH: '/opt/homebrew/bin:/usr/bin:/bin' }, [
  '/bin/bash',
  '/bin/sh',
  '/opt/homebrew/bin/python',
]);
const windows = host(
  'win32',
  {
    Path: 'C:\\Program Files\\PowerShell\\7;C:\\Program Files\\Git\\bin;C:\\hostedtoolcache\\Python\\3.12\\x64',
    PATHEXT: '.COM;.EXE;.BAT;.CMD',
    ComSpec: 'C:\\Windows\\system32\\cmd.exe',
  },
  [
    'C:\\Program Files\\PowerShell\\7\\pwsh.exe',
    'C:\\Program Files\\Git\\bin\\bash.exe',
    'C:\\hostedtoolcache\\Python\\3.12\\x64\\python.exe',
  ],
);
const windowsWithoutPwsh = host(
  'win32',
  { PATH: 'C:\\Windows\\system32', ComSpec: 'C:\\Windows\\system32\\cmd.exe' },
  ['C:\\Windows\\system32\\cmd.exe'],
);

describe("the shell of start: the runner's default for a run: step", () => {
  it.each([
    { name: 'Linux with bash', machine: linux, shell: 'bash' },
    { name: 'a slim image without bash', machine: alpine, shell: 'sh' },
    { name: 'macOS (bash 3.2 in /bin)', machine: macos, shell: 'bash' },
    { name: 'Windows', machine: windows, shell: 'pwsh' },
    { name: 'Windows without pwsh', machine: windowsWithoutPwsh, shell: 'cmd' },
  ])('$name: $shell', ({ machine, shell }) => {
    expect(defaultShell(machine)).toBe(shell);
  });
});

describe('the command line of each shell', () => {
  const command = 'source .venv/bin/activate && vllm serve m';

  it('bash: no profile, -e and pipefail, as the runner runs bash', () => {
    expect(shellInvocation('bash', command, linux)).toEqual({
      shell: 'bash',
      file: '/usr/bin/bash',
      args: ['--noprofile', '--norc', '-eo', 'pipefail', '-c', command],
      windowsVerbatimArguments: false,
    });
  });

  it('sh: -e', () => {
    expect(shellInvocation('sh', command, alpine)).toMatchObject({
      file: '/bin/sh',
      args: ['-e', '-c', command],
    });
  });

  it("bash on Windows is Git's, found through PATHEXT", () => {
    expect(shellInvocation('bash', command, windows)?.file).toBe('C:\\Program Files\\Git\\bin\\bash.exe');
  });

  it("pwsh: stops at the first error and exits with the last program's code", () => {
    const pwsh = shellInvocation('pwsh', 'llama-server -m m.gguf', windows)!;
    expect(pwsh.file).toBe('C:\\Program Files\\PowerShell\\7\\pwsh.exe');
    expect(pwsh.args.slice(0, 4)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-Command']);
    expect(pwsh.args[4]).toBe(
      "$ErrorActionPreference = 'stop'; llama-server -m m.gguf; if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }",
    );
  });

  it("cmd: %ComSpec% with the runner's switches, the command passed verbatim", () => {
    expect(shellInvocation('cmd', 'ollama serve', windows)).toEqual({
      shell: 'cmd',
      file: 'C:\\Windows\\system32\\cmd.exe',
      args: ['/D', '/E:ON', '/V:OFF', '/S', '/C', '"ollama serve"'],
      windowsVerbatimArguments: true,
    });
  });

  it('python: python, else python3, unbuffered', () => {
    expect(shellInvocation('python', 'import x', macos)).toMatchObject({
      file: '/opt/homebrew/bin/python',
      args: ['-u', '-c', 'import x'],
    });
    expect(shellInvocation('python', 'import x', linux)?.file).toBe('/usr/bin/python3');
  });

  it('a shell that is not there: undefined, so start says so', () => {
    expect(shellInvocation('bash', command, alpine)).toBeUndefined();
    expect(shellInvocation('pwsh', command, linux)).toBeUndefined();
  });

  it('findProgram takes the first PATH entry that has it, and skips empty entries', () => {
    const twice = host('linux', { PATH: '::/opt/bin:/usr/bin' }, ['/usr/bin/bash', '/opt/bin/bash']);
    expect(findProgram('bash', twice)).toBe('/opt/bin/bash');
  });
});

describe('Windows: the post step stops the whole tree with taskkill', () => {
  it('by pid, with its children, by force', () => {
    expect(taskkillArgs(4242)).toEqual(['/PID', '4242', '/T', '/F']);
  });

  it.each([
    { code: 0, outcome: 'stopped' },
    { code: 128, outcome: 'not-running' },
    { code: 1, outcome: 'failed' },
    { code: null, outcome: 'failed' },
  ] as const)('exit code $code: $outcome', ({ code, outcome }) => {
    expect(taskkillOutcome(code)).toBe(outcome);
  });
});
