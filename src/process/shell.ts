import { accessSync, constants, statSync } from 'node:fs';
import { posix, win32 } from 'node:path';

/** The `shell` input's names: the runner's own names for `run:` steps. */
export const SHELL_NAMES = ['bash', 'sh', 'pwsh', 'cmd', 'python'] as const;
export type ShellName = (typeof SHELL_NAMES)[number];

/** How `start` is run: the program, its arguments, and whether Windows must pass them as written. */
export interface ShellInvocation {
  shell: ShellName;
  file: string;
  args: string[];
  /** cmd parses its own command line: Node's quoting would wrap the command in a second pair of quotes. */
  windowsVerbatimArguments: boolean;
}

/** What the machine offers: the platform, its PATH (and PATHEXT), and a way to find a program on it. */
export interface ShellHost {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The full path of an executable file, or undefined when there is none. */
  isExecutable: (path: string) => boolean;
}

/**
 * The shell a `run:` step gets when it names none, as the runner picks it: pwsh on Windows (cmd when there
 * is no pwsh), elsewhere bash, or sh where there is no bash (a slim container image).
 */
export function defaultShell(host: ShellHost): ShellName {
  if (host.platform === 'win32') return findProgram('pwsh', host) ? 'pwsh' : 'cmd';
  return findProgram('bash', host) ? 'bash' : 'sh';
}

/**
 * The command line of `start` under `shell`, with the runner's options for it: bash and sh stop at the
 * first failing command (bash also when a piped command fails), pwsh stops at the first error and exits
 * with the last program's code. Undefined when the shell is not on PATH.
 */
export function shellInvocation(
  shell: ShellName,
  command: string,
  host: ShellHost,
): ShellInvocation | undefined {
  const found = (name: string) => findProgram(name, host);
  const plain = (file: string | undefined, args: string[]): ShellInvocation | undefined =>
    file === undefined ? undefined : { shell, file, args, windowsVerbatimArguments: false };
  switch (shell) {
    case 'bash':
      return plain(found('bash'), ['--noprofile', '--norc', '-eo', 'pipefail', '-c', command]);
    case 'sh':
      return plain(found('sh'), ['-e', '-c', command]);
    case 'pwsh':
      return plain(found('pwsh'), [
        '-NoLogo',
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        `$ErrorActionPreference = 'stop'; ${command}; if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }`,
      ]);
    case 'cmd': {
      const file = host.env.ComSpec ?? host.env.COMSPEC ?? found('cmd');
      if (file === undefined) return undefined;
      return {
        shell,
        file,
        args: ['/D', '/E:ON', '/V:OFF', '/S', '/C', `"${command}"`],
        windowsVerbatimArguments: true,
      };
    }
    case 'python':
      // Unbuffered, so its output reaches the log as it is written.
      return plain(found('python') ?? found('python3'), ['-u', '-c', command]);
  }
}

/** The first `name` on PATH, trying each of PATHEXT's extensions on Windows. */
export function findProgram(name: string, host: ShellHost): string | undefined {
  const path = host.env.PATH ?? host.env.Path ?? '';
  const windows = host.platform === 'win32';
  // The host's own path rules, whatever this process runs on: the tests describe a Windows machine on Linux.
  const paths = windows ? win32 : posix;
  const extensions = windows
    ? (host.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '')
    : [''];
  for (const dir of path.split(windows ? ';' : ':')) {
    if (dir === '') continue;
    for (const extension of extensions) {
      const candidate = paths.join(dir, name + extension.toLowerCase());
      if (host.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** This machine: a regular file we may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function thisHost(env: Record<string, string | undefined>): ShellHost {
  return { platform: process.platform, env, isExecutable: isExecutableFile };
}
