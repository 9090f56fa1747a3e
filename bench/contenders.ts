// The contenders: ours (the action's dist/index.js as the runner runs it, the CLI) and the tools users would pick
// instead (wait-on, curl loops). Each turns a job into a process and reads its verdict once it has exited.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareAction } from '../test/support/action-runner.ts';
import { ROOT, runProcess, SCRATCH, type ProcessRun } from './harness.ts';

export const DIST_ACTION = join(ROOT, 'dist/index.js');
export const DIST_CLI = join(ROOT, 'dist/cli/index.js');
export const WAIT_ON = join(ROOT, 'node_modules/wait-on/bin/wait-on');

export interface Job {
  port: number;
  timeoutMs: number;
  /** The command ours start the server with (`start` input, `--start`). */
  start?: string;
}

export interface Verdict {
  ready: boolean;
  cause?: string;
  problem?: string;
}

export interface PreparedRun {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  verdict: (run: ProcessRun) => Verdict;
}

export interface Contender {
  id: string;
  label: string;
  /** The figures the targets are about. */
  ours?: boolean;
  needsCurl?: boolean;
  prepare: (job: Job) => PreparedRun;
}

export type ContenderRun = ProcessRun & Verdict;

/** The minimal environment of a job step: nothing from the shell running the bench leaks into a contender. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
}

const timeoutSeconds = (timeoutMs: number) => Math.ceil(timeoutMs / 1000);

const action: Contender = {
  id: 'action',
  label: 'llm-preflight action',
  ours: true,
  prepare({ port, timeoutMs, start }) {
    const inputs: Record<string, string> = {
      'base-url': `http://127.0.0.1:${port}`,
      timeout: `${timeoutSeconds(timeoutMs)}s`,
    };
    if (start) inputs.start = start;
    const step = prepareAction({ inputs, env: baseEnv(), scratchDir: SCRATCH });
    return {
      command: step.command,
      args: step.args,
      env: step.env,
      cwd: step.cwd,
      verdict: (run) => {
        const { outputs } = step.collect(run);
        return { ready: outputs.ready === 'true', cause: outputs.cause || undefined };
      },
    };
  },
};

const cli: Contender = {
  id: 'cli',
  label: 'llm-preflight CLI',
  ours: true,
  prepare({ port, timeoutMs, start }) {
    const args = [DIST_CLI, '--json', '--timeout', `${timeoutSeconds(timeoutMs)}s`];
    if (start) args.push('--start', start);
    args.push(`http://127.0.0.1:${port}`);
    return {
      command: process.execPath,
      args,
      env: baseEnv(),
      verdict: (run) => {
        try {
          const report = JSON.parse(run.stdout) as { ready?: unknown; cause?: string | null };
          return { ready: report.ready === true, cause: report.cause ?? undefined };
        } catch {
          return { ready: run.code === 0 };
        }
      },
    };
  },
};

const waitOn: Contender = {
  id: 'wait-on',
  label: 'wait-on (250 ms)',
  prepare({ port, timeoutMs }) {
    return {
      command: process.execPath,
      args: [WAIT_ON, '-t', String(timeoutMs), `http-get://127.0.0.1:${port}/v1/models`],
      env: baseEnv(),
      verdict: (run) => ({ ready: run.code === 0 }),
    };
  },
};

function curlLoop(sleepSeconds: number): Contender {
  return {
    id: `curl-${sleepSeconds}s`,
    label: `curl loop, sleep ${sleepSeconds}`,
    needsCurl: true,
    prepare({ port, timeoutMs }) {
      const loop = `until curl -sf -o /dev/null http://127.0.0.1:${port}/v1/models; do sleep ${sleepSeconds}; done`;
      return {
        command: 'timeout',
        args: [String(timeoutSeconds(timeoutMs)), 'sh', '-c', loop],
        env: baseEnv(),
        verdict: (run) => ({ ready: run.code === 0 }),
      };
    },
  };
}

/** Peers get the URL users would give them: /v1/models. */
export const CONTENDERS: readonly Contender[] = [action, cli, waitOn, curlLoop(1), curlLoop(5)];

/** `node -e 0`: Node's own start-up, the floor of the cold-start figures. */
export const NODE_FLOOR: Contender = {
  id: 'node -e 0',
  label: 'node -e 0 (floor)',
  prepare: () => ({
    command: process.execPath,
    args: ['-e', '0'],
    env: baseEnv(),
    verdict: (run) => ({ ready: run.code === 0 }),
  }),
};

export function missingBuildParts(): string[] {
  return [DIST_ACTION, DIST_CLI, WAIT_ON].filter((path) => !existsSync(path));
}

export async function runContender(
  contender: Contender,
  job: Job,
  { measureRss = false } = {},
): Promise<ContenderRun> {
  const prepared = contender.prepare(job);
  const run = await runProcess({ ...prepared, timeoutMs: job.timeoutMs, measureRss });
  let verdict: Verdict;
  try {
    verdict = prepared.verdict(run);
  } catch (error) {
    verdict = { ready: false, problem: String(error) };
  }
  return { ...run, ...verdict };
}

/** Why a run does not count, or undefined when it does. */
export function problemWith(run: ContenderRun, expectReady: boolean): string | undefined {
  if (run.error) return run.error;
  if (run.killedByHarness) return 'killed by the harness (ran far past its own deadline)';
  if (expectReady && !run.ready)
    return `not ready (exit ${run.code}${run.cause ? `, cause ${run.cause}` : ''})`;
  return undefined;
}
