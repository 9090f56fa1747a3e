import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface ActionRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  summary: string;
  workspace: string;
  runnerTemp: string;
  /** `::error file=...,line=...,title=...::message` lines, parsed. */
  errors: Array<{ props: Record<string, string>; message: string }>;
  warnings: Array<{ props: Record<string, string>; message: string }>;
}

export const WORKFLOW = `name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - name: Wait for the LLM server
        id: llm
        uses: acme/llm-preflight@v1
        with:
          base-url: http://127.0.0.1:8000
      - run: pytest
`;
/** Line of `uses: acme/llm-preflight@v1` in WORKFLOW. */
export const WORKFLOW_STEP_LINE = 10;

/** Parses the file-command format (name=value and name<<DELIM ... DELIM). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      out[name!] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

function parseCommands(stdout: string, command: string) {
  const out: Array<{ props: Record<string, string>; message: string }> = [];
  const unescape = (s: string) =>
    s
      .replace(/%0D/g, '\r')
      .replace(/%0A/g, '\n')
      .replace(/%3A/g, ':')
      .replace(/%2C/g, ',')
      .replace(/%25/g, '%');
  for (const line of stdout.split('\n')) {
    const m = new RegExp(`^::${command}(?: ([^:]*))?::(.*)$`).exec(line);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const part of (m[1] ?? '').split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) props[part.slice(0, eq)] = unescape(part.slice(eq + 1));
    }
    out.push({ props, message: unescape(m[2]!) });
  }
  return out;
}

export interface PrepareOptions {
  inputs?: Record<string, string>;
  /** Set last, over the runner's variables: can replace PATH, HOME or any GITHUB_* one. */
  env?: Record<string, string>;
  entry?: 'main' | 'post';
  /** Reuse a workspace (and its state) from an earlier run: post after main. */
  after?: ActionRun;
  workflow?: string | null;
  /** Where the workspace, runner temp and file-command files go (default: the OS temp dir). */
  scratchDir?: string;
}

export interface RunOptions extends PrepareOptions {
  timeoutMs?: number;
  /** Called once the process is running, e.g. to send it a signal. */
  onSpawn?: (pid: number) => void;
}

export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A step ready to start: the bench spawns it under its own clock, runAction spawns it here. */
export interface PreparedAction {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Reads the file commands and stdout's workflow commands once the process has ended. */
  collect: (end: ProcessEnd) => ActionRun;
}

function readInputDefaults(): Record<string, string> {
  const manifest = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(
    Object.entries(manifest.inputs).map(([name, spec]) => [name, spec.default ?? '']),
  );
}

function writeWorkflow(workspace: string, workflow: string | null) {
  if (workflow === null || existsSync(join(workspace, '.github/workflows/ci.yml'))) return;
  mkdirSync(join(workspace, '.github/workflows'), { recursive: true });
  writeFileSync(join(workspace, '.github/workflows/ci.yml'), workflow);
}

/** The runner's side of a step, up to the spawn: INPUT_* with action.yml defaults, file commands, a workspace. */
export function prepareAction(options: PrepareOptions = {}): PreparedAction {
  const scratchDir = options.scratchDir ?? tmpdir();
  const workspace = options.after?.workspace ?? mkdtempSync(join(scratchDir, 'llm-preflight-ws-'));
  const runnerTemp = options.after?.runnerTemp ?? mkdtempSync(join(scratchDir, 'llm-preflight-temp-'));
  const files = mkdtempSync(join(scratchDir, 'llm-preflight-files-'));
  writeWorkflow(workspace, options.workflow === undefined ? WORKFLOW : options.workflow);
  const paths = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_STEP_SUMMARY: join(files, 'summary'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_PATH: join(files, 'path'),
  };
  for (const path of Object.values(paths)) writeFileSync(path, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_WORKFLOW_REF: 'acme/app/.github/workflows/ci.yml@refs/heads/main',
    GITHUB_JOB: 'test',
    GITHUB_ACTION: 'llm',
    GITHUB_ACTION_REPOSITORY: 'acme/llm-preflight',
    RUNNER_TEMP: runnerTemp,
    ...paths,
  };
  for (const [name, fallback] of Object.entries(readInputDefaults())) {
    env[`INPUT_${name.toUpperCase()}`] = options.inputs?.[name] ?? fallback;
  }
  for (const [key, value] of Object.entries(options.after?.state ?? {})) env[`STATE_${key}`] = value;
  Object.assign(env, options.env);
  const script = join(ROOT, options.entry === 'post' ? 'dist/post/index.js' : 'dist/index.js');
  const collect = ({ code, signal, stdout, stderr }: ProcessEnd): ActionRun => ({
    code,
    signal,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(paths.GITHUB_OUTPUT, 'utf8')),
    state: {
      ...options.after?.state,
      ...parseFileCommands(readFileSync(paths.GITHUB_STATE, 'utf8')),
    },
    env: parseFileCommands(readFileSync(paths.GITHUB_ENV, 'utf8')),
    summary: readFileSync(paths.GITHUB_STEP_SUMMARY, 'utf8'),
    workspace,
    runnerTemp,
    errors: parseCommands(stdout, 'error'),
    warnings: parseCommands(stdout, 'warning'),
  });
  return { command: process.execPath, args: [script], env, cwd: workspace, collect };
}

/** Runs dist/ the way the runner does: INPUT_* with action.yml defaults, file commands, a workspace. */
export async function runAction(options: RunOptions = {}): Promise<ActionRun> {
  const prepared = prepareAction(options);
  const child = spawn(prepared.command, prepared.args, {
    cwd: prepared.cwd,
    env: prepared.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  return prepared.collect({ code, signal, stdout, stderr });
}
