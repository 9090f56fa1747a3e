import { parseArgs } from 'node:util';
import {
  INPUT_NAMES,
  parseInputs,
  type InputName,
  type InputProblem,
  type ParseResult,
  type RawInputs,
} from './schema.js';

export interface CliOptions {
  json: boolean;
  quiet: boolean;
  help: boolean;
  version: boolean;
  command: 'check' | 'doctor';
}

export type ArgvParse =
  { ok: true; options: CliOptions; parsed: ParseResult } | { ok: false; message: string };

const BOOLEAN_INPUTS: InputName[] = ['smoke', 'export-env', 'pull', 'deep'];
const CLI_FLAGS = ['json', 'quiet', 'help', 'version'] as const;
const MULTIPLE_INPUTS: InputName[] = ['model', 'base-url'];

/** What each flag's value is, as --help writes it. */
export const FLAG_VALUES: Partial<Record<InputName, string>> = {
  'base-url': '<url>',
  model: '<id>',
  'api-key': '<key>',
  server: '<kind>',
  timeout: '<duration>',
  'request-timeout': '<duration>',
  start: '<command>',
  shell: '<bash|sh|pwsh|cmd|python>',
  container: '<id|name>',
  'log-file': '<path>',
};

/** The variable that gives an input's default: LLM_PREFLIGHT_TIMEOUT for timeout. */
export function envVariableOf(name: InputName): string {
  return `LLM_PREFLIGHT_${name.replace(/-/g, '_').toUpperCase()}`;
}

const SEE_HELP = 'Run llm-preflight --help for the flags.';

type Flags = { values: Record<string, string | string[] | boolean>; positionals: string[] };

/**
 * The command line in our words: an unknown flag, a flag without its value or a switch given one is one
 * sentence naming the flag (node's own messages speak of "options" and of "placing it after '--'").
 */
export function readFlags(argv: string[]): Flags | { error: string } {
  const isSwitch = (name: string) =>
    (CLI_FLAGS as readonly string[]).includes(name) ||
    BOOLEAN_INPUTS.some((b) => name === b || name === `no-${b}`);
  const takesValue = (name: string) => (INPUT_NAMES as string[]).includes(name) && !isSwitch(name);
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of [...CLI_FLAGS, ...INPUT_NAMES, ...BOOLEAN_INPUTS.map((b) => `no-${b}`)])
    options[name] = { type: isSwitch(name) ? 'boolean' : 'string' };
  // Not strict: node's errors are replaced by ours below, and unknown flags arrive as tokens to name.
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const flags: Flags = { values: {}, positionals: [] };
  for (const token of tokens) {
    if (token.kind === 'positional') flags.positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const { name, rawName } = token;
    if (isSwitch(name)) {
      if (token.inlineValue) return { error: `${rawName} takes no value; got "${token.value}". ${SEE_HELP}` };
      flags.values[name] = true;
    } else if (takesValue(name)) {
      const value = token.value;
      // `--timeout --json`: node would take "--json" as the deadline.
      if (value === undefined || (!token.inlineValue && value.startsWith('--')))
        return {
          error: `${rawName} needs a value: ${rawName} ${FLAG_VALUES[name as InputName] ?? '<value>'}. ${SEE_HELP}`,
        };
      const before = flags.values[name];
      flags.values[name] = MULTIPLE_INPUTS.includes(name as InputName)
        ? [...(Array.isArray(before) ? before : []), value]
        : value;
    } else return { error: `unknown flag ${rawName}. ${SEE_HELP}` };
  }
  return flags;
}

/**
 * Flags → the same raw record the action builds → the same schema. Defaults from the environment
 * (LLM_PREFLIGHT_<INPUT>, OPENAI_BASE_URL, OPENAI_API_KEY) apply where a flag is absent; a bad one is
 * named by its variable, since no flag was given.
 */
export function configFromArgv(argv: string[], env: Record<string, string | undefined>): ArgvParse {
  const flags = readFlags(argv);
  if ('error' in flags) return { ok: false, message: flags.error };
  const { values, positionals } = flags;
  const command = positionals[0] === 'doctor' ? 'doctor' : 'check';
  const urls = command === 'doctor' ? positionals.slice(1) : positionals;
  const { raw, variables } = envDefaults(env);
  // A CLI user gets no step to export variables to.
  raw['export-env'] = 'false';
  for (const name of INPUT_NAMES) {
    const given = flagValue(name, values);
    if (given === undefined) continue;
    raw[name] = given;
    variables.delete(name);
  }
  if (urls.length > 0) {
    raw['base-url'] = urls.join('\n');
    variables.delete('base-url');
  }
  const parsed = parseInputs(raw);
  return {
    ok: true,
    options: {
      json: values.json === true,
      quiet: values.quiet === true,
      help: values.help === true,
      version: values.version === true,
      command,
    },
    parsed: parsed.ok ? parsed : { ok: false, problems: parsed.problems.map((p) => namedBy(p, variables)) },
  };
}

/** A flag's value as the raw record holds it: switches as 'true' / 'false', repeated values one per line. */
function flagValue(name: InputName, values: Flags['values']): string | undefined {
  if (BOOLEAN_INPUTS.includes(name)) {
    if (values[`no-${name}`] === true) return 'false';
    return values[name] === true ? 'true' : undefined;
  }
  const value = values[name];
  if (Array.isArray(value)) return value.join('\n');
  return typeof value === 'string' ? value : undefined;
}

/** The defaults the environment gives, and the variable each came from. */
function envDefaults(env: Record<string, string | undefined>): {
  raw: RawInputs;
  variables: Map<InputName, string>;
} {
  const raw: RawInputs = {};
  const variables = new Map<InputName, string>();
  for (const name of INPUT_NAMES) {
    const fromEnv = env[envVariableOf(name)];
    if (fromEnv === undefined || fromEnv === '') continue;
    raw[name] = fromEnv;
    variables.set(name, envVariableOf(name));
  }
  if (raw['base-url'] === undefined && env.OPENAI_BASE_URL) {
    raw['base-url'] = env.OPENAI_BASE_URL;
    variables.set('base-url', 'OPENAI_BASE_URL');
  }
  if (raw['api-key'] === undefined && env.OPENAI_API_KEY) {
    raw['api-key'] = env.OPENAI_API_KEY;
    variables.set('api-key', 'OPENAI_API_KEY');
  }
  return { raw, variables };
}

function namedBy(problem: InputProblem, variables: Map<InputName, string>): InputProblem {
  const variable = variables.get(problem.input);
  return variable ? { ...problem, variable } : problem;
}

export type { InputProblem };
