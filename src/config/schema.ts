import { z } from 'zod';
import { SERVER_KINDS, type ServerKind } from '../causes.js';
import { REQUEST_TIMEOUT_FLOOR_MS } from '../limits.js';
import { durationInputText, parseDurationMs } from './duration.js';
import { parseEndpointLines, splitList, type EndpointSpec } from './endpoints.js';
import { logFileProblem } from './log-file.js';
import { impossibleEndpoint, portOutOfRange } from './impossible-endpoint.js';
import { SHELL_NAMES, type ShellName } from '../process/shell.js';

/**
 * The raw inputs, keyed by their action input names. Every surface (action, CLI, environment) builds this
 * record of strings; this schema is the single place that validates them and the single source of defaults.
 */
export const INPUT_DEFAULTS = {
  'base-url': 'http://127.0.0.1:8000',
  server: 'auto',
  model: '',
  'api-key': '',
  timeout: '10m',
  'request-timeout': '5s',
  smoke: 'false',
  start: '',
  shell: '',
  container: '',
  'log-file': '',
  'export-env': 'true',
  pull: 'false',
  deep: 'false',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;
export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[];
export type RawInputs = Partial<Record<InputName, string>>;

/** The longest deadline we accept: a hosted job stops at 6 h anyway. */
export const MAX_TIMEOUT_MS = 6 * 3_600_000;

export interface Config {
  endpoints: EndpointSpec[];
  server: ServerKind | 'auto';
  /** Models every endpoint must serve, unless an endpoint names its own. */
  models: string[];
  apiKey?: string;
  timeoutMs: number;
  requestTimeoutMs: number;
  smoke: boolean;
  start?: string;
  /** The shell `start` runs under; unset: the runner's default for a `run:` step. */
  shell?: ShellName;
  container?: string;
  logFile?: string;
  exportEnv: boolean;
  pull: boolean;
  deep: boolean;
}

const BOOLEAN_TRUE = ['true', 'True', 'TRUE'];
const BOOLEAN_FALSE = ['false', 'False', 'FALSE'];

const booleanInput = z.string().transform((value, ctx) => {
  const trimmed = value.trim();
  if (BOOLEAN_TRUE.includes(trimmed)) return true;
  if (BOOLEAN_FALSE.includes(trimmed)) return false;
  ctx.addIssue({ code: 'custom', message: 'must be true or false', params: { example: 'true' } });
  return z.NEVER;
});

const durationInput = (maxMs: number, minMs: number, example: string) =>
  z.string().transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration such as 90s, 10m, 1h or a number of seconds',
        params: { example },
      });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be between ${durationInputText(minMs)} and ${durationInputText(maxMs)}`,
        params: { example },
      });
      return z.NEVER;
    }
    return ms;
  });

const optionalText = z.string().transform((value) => (value.trim() === '' ? undefined : value.trim()));

const logFileInput = optionalText.transform((value, ctx) => {
  const problem = value === undefined ? undefined : logFileProblem(value);
  if (problem === undefined) return value;
  ctx.addIssue({ code: 'custom', message: problem, params: { example: '/tmp/vllm.log' } });
  return z.NEVER;
});

const modelList = z.string().transform((value) => splitList(value));

/**
 * What an HTTP header value can carry (RFC 9110 §5.5): tab, visible ASCII, space and Latin-1 (obs-text). Any
 * other character makes every request fail before it is sent, which looked like a server that never answered.
 */
// oxlint-disable-next-line no-control-regex -- naming the control characters is the point
const NOT_IN_A_HEADER = /[^\t\x20-\x7e\x80-\xff]/u;

const apiKeyInput = optionalText.transform((value, ctx) => {
  const bad = value === undefined ? null : NOT_IN_A_HEADER.exec(value);
  if (!bad) return value;
  const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  const position = Array.from(value!.slice(0, bad.index)).length + 1;
  ctx.addIssue({
    code: 'custom',
    message:
      'must be text an HTTP header can carry: no line break, control character or character outside Latin-1',
    // Never the key itself, not even masked: only which character is wrong, and where.
    params: { example: 'sk-...', got: `a key whose character ${position} is U+${code}` },
  });
  return z.NEVER;
});

const serverInput = z.string().transform((value, ctx) => {
  const trimmed = value
    .trim()
    .toLowerCase()
    .replace(/[.\s_-]/g, '');
  const aliases: Record<string, ServerKind> = { llamacppserver: 'llamacpp', llamaserver: 'llamacpp' };
  const kind = aliases[trimmed] ?? trimmed;
  if (kind === 'auto' || (SERVER_KINDS as readonly string[]).includes(kind))
    return kind as ServerKind | 'auto';
  ctx.addIssue({
    code: 'custom',
    message: `must be auto or one of ${SERVER_KINDS.join(', ')}`,
    params: { example: 'vllm' },
  });
  return z.NEVER;
});

/** A URL that parses but names nothing to connect to is as wrong as one that does not parse: said at once. */
const shellInput = z.string().transform((value, ctx) => {
  const name = value.trim().toLowerCase();
  if (name === '') return undefined;
  if ((SHELL_NAMES as readonly string[]).includes(name)) return name as ShellName;
  ctx.addIssue({
    code: 'custom',
    message: `must be one of ${SHELL_NAMES.join(', ')}`,
    params: { example: 'bash' },
  });
  return z.NEVER;
});

const endpointsInput = z.string().transform((value, ctx) => {
  const parsed = parseEndpointLines(value);
  const message = parsed.ok
    ? impossibleEndpoint(parsed.endpoints)
    : (portOutOfRange(value) ?? parsed.message);
  if (parsed.ok && message === undefined) return parsed.endpoints;
  ctx.addIssue({
    code: 'custom',
    message: message ?? 'is not a valid URL',
    params: { example: 'http://127.0.0.1:8000' },
  });
  return z.NEVER;
});

export const InputSchema = z.object({
  'base-url': endpointsInput,
  server: serverInput,
  model: modelList,
  'api-key': apiKeyInput,
  timeout: durationInput(MAX_TIMEOUT_MS, 1000, '10m'),
  'request-timeout': durationInput(10 * 60_000, REQUEST_TIMEOUT_FLOOR_MS, '5s'),
  smoke: booleanInput,
  start: optionalText,
  shell: shellInput,
  container: optionalText,
  'log-file': logFileInput,
  'export-env': booleanInput,
  pull: booleanInput,
  deep: booleanInput,
});

export interface InputProblem {
  input: InputName;
  message: string;
  got: string;
  example: string;
  /** The CLI took the value from this environment variable (LLM_PREFLIGHT_TIMEOUT), not from a flag. */
  variable?: string;
}

export type ParseResult = { ok: true; config: Config } | { ok: false; problems: InputProblem[] };

/** Validates the raw record. Empty strings mean "not given", so the default applies (the runner sends ""). */
export function parseInputs(raw: RawInputs): ParseResult {
  const withDefaults: Record<InputName, string> = { ...INPUT_DEFAULTS };
  for (const name of INPUT_NAMES) {
    const value = raw[name];
    if (value !== undefined && value.trim() !== '') withDefaults[name] = value;
  }
  const result = InputSchema.safeParse(withDefaults);
  if (!result.success) {
    const problems = result.error.issues.map((issue): InputProblem => {
      const input = String(issue.path[0]) as InputName;
      const params = (issue as { params?: { example?: string; got?: string } }).params;
      return {
        input,
        message: issue.message,
        got: params?.got ?? withDefaults[input] ?? '',
        example: params?.example ?? INPUT_DEFAULTS[input],
      };
    });
    return { ok: false, problems };
  }
  const v = result.data;
  const config: Config = {
    endpoints: v['base-url'],
    server: v.server,
    models: v.model,
    timeoutMs: v.timeout,
    requestTimeoutMs: Math.min(v['request-timeout'], v.timeout),
    smoke: v.smoke,
    exportEnv: v['export-env'],
    pull: v.pull,
    deep: v.deep,
  };
  if (v['api-key'] !== undefined) config.apiKey = v['api-key'];
  if (v.start !== undefined) config.start = v.start;
  if (v.shell !== undefined) config.shell = v.shell;
  if (v.container !== undefined) config.container = v.container;
  if (v['log-file'] !== undefined) config.logFile = v['log-file'];
  return { ok: true, config };
}
