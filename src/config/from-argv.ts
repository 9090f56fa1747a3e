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

/**
 * Flags → the same raw record the action builds → the same schema. Defaults from the environment
 * (LLM_PREFLIGHT_<INPUT>, OPENAI_BASE_URL, OPENAI_API_KEY) apply where a flag is absent.
 */
export function configFromArgv(argv: string[], env: Record<string, string | undefined>): ArgvParse {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  };
  for (const name of INPUT_NAMES) {
    if (BOOLEAN_INPUTS.includes(name)) {
      options[name] = { type: 'boolean' };
      options[`no-${name}`] = { type: 'boolean' };
    } else options[name] = { type: 'string', multiple: name === 'model' || name === 'base-url' };
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as {
      values: Record<string, unknown>;
      positionals: string[];
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { ok: false, message: `${message}. Run llm-preflight --help for the options.` };
  }
  const command = positionals[0] === 'doctor' ? 'doctor' : 'check';
  const urls = command === 'doctor' ? positionals.slice(1) : positionals;
  const raw: RawInputs = {};
  for (const name of INPUT_NAMES) {
    const fromEnv = env[`LLM_PREFLIGHT_${name.replace(/-/g, '_').toUpperCase()}`];
    if (fromEnv !== undefined && fromEnv !== '') raw[name] = fromEnv;
  }
  if (raw['base-url'] === undefined && env.OPENAI_BASE_URL) raw['base-url'] = env.OPENAI_BASE_URL;
  if (raw['api-key'] === undefined && env.OPENAI_API_KEY) raw['api-key'] = env.OPENAI_API_KEY;
  // A CLI user gets no step to export variables to.
  raw['export-env'] = 'false';
  for (const name of INPUT_NAMES) {
    const value = values[name];
    if (BOOLEAN_INPUTS.includes(name)) {
      if (value === true) raw[name] = 'true';
      if (values[`no-${name}`] === true) raw[name] = 'false';
    } else if (Array.isArray(value)) raw[name] = value.join('\n');
    else if (typeof value === 'string') raw[name] = value;
  }
  if (urls.length > 0) raw['base-url'] = urls.join('\n');
  return {
    ok: true,
    options: {
      json: values.json === true,
      quiet: values.quiet === true,
      help: values.help === true,
      version: values.version === true,
      command,
    },
    parsed: parseInputs(raw),
  };
}

export type { InputProblem };
