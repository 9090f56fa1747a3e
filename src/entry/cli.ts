import { configFromArgv, envVariableOf } from '../config/from-argv.js';
import { INPUT_DEFAULTS, INPUT_NAMES } from '../config/schema.js';
import { doctorExitCode, renderDoctor, runDoctor, systemProbes, type DoctorProbes } from '../doctor/index.js';
import { createRedactor, type Redactor } from '../redact.js';
import { createJsonReporter } from '../report/json.js';
import { createTerminalReporter } from '../report/terminal.js';
import { runPreflight } from '../engine/run.js';
import { cliInputSecrets, secretsOf } from '../config/secrets.js';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** What `doctor` looks at; the real machine unless a test states another. */
  doctorProbes?: DoctorProbes;
}

export const VERSION = '1.0.0';

const USAGE = `llm-preflight ${VERSION}: wait for an OpenAI-compatible LLM server and say why it is not ready.

Usage: llm-preflight [flags] [base-url ...]
       llm-preflight doctor [--json] [base-url ...]   what in this environment breaks local connections

  base-url                 server to check (default ${INPUT_DEFAULTS['base-url']}); with or without /v1;
                           several may be given
  --model <id>             a model that must be served (repeat, or comma-separate)
  --api-key <key>          sent as a bearer token
  --server <kind>          auto, vllm, sglang, litellm, ollama, llamacpp, tgi, localai, lmstudio, openai
  --timeout <duration>     overall deadline, e.g. 90s, 10m (default ${INPUT_DEFAULTS.timeout})
  --request-timeout <d>    per request (default ${INPUT_DEFAULTS['request-timeout']})
  --smoke                  also run a 1-token chat completion per model
  --pull                   Ollama: pull a required model that is missing, with progress
  --deep                   LiteLLM: also check every backend through the proxy's /health
  --start <command>        start the server and watch it; it keeps running afterwards
  --shell <name>           the shell of --start: bash, sh, pwsh, cmd, python (default: bash -e where
                           there is bash, else sh -e; pwsh on Windows, else cmd)
  --container <id|name>    read this container's state and logs as evidence
  --log-file <path>        read this server log as evidence
  --no-<switch>            turn off a switch that the environment turned on, e.g. --no-smoke
  --json                   print one JSON report on stdout
  --quiet                  print only the verdict
  --help, --version

Exit codes: 0 ready, 1 not ready (the cause is named), 2 invalid input.
doctor exits 1 when a check fails (warnings alone exit 0).
`;

/** Where a flag's default comes from when it is not given: a flag wins over every variable. */
const ENV_FALLBACKS: Partial<Record<(typeof INPUT_NAMES)[number], string>> = {
  'base-url': 'OPENAI_BASE_URL',
  'api-key': 'OPENAI_API_KEY',
};

/** The usage, then every variable that gives a default, marked where this environment sets it (no values: they may be secrets). */
export function helpText(env: Record<string, string | undefined>): string {
  const isSet = (name: string) => (env[name] ? ' (set)' : '');
  const lines = INPUT_NAMES.filter((name) => name !== 'export-env').map((name) => {
    const fallback = ENV_FALLBACKS[name];
    const variable = envVariableOf(name) + isSet(envVariableOf(name));
    return `  ${variable.padEnd(36)} --${name}${fallback ? `; else ${fallback}${isSet(fallback)}` : ''}`;
  });
  return `${USAGE}\nDefaults from the environment, used where the flag is absent (switches take true or false):\n${lines.join('\n')}\n`;
}

/** The CLI as a function, so tests run it in-process. Returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Known before the inputs are parsed, so a rejected input (or a crash) never echoes one of them.
  const early = cliInputSecrets(argv, io.env);
  let args: ReturnType<typeof configFromArgv>;
  try {
    args = configFromArgv(argv, io.env);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(createRedactor(early)(`llm-preflight: internal error: ${message}. Please report it.\n`));
    return 1;
  }
  if (!args.ok) {
    io.stderr.write(createRedactor(early)(`llm-preflight: ${args.message}\n`));
    return 2;
  }
  if (args.options.help) {
    io.stdout.write(helpText(io.env));
    return 0;
  }
  if (args.options.version) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args.options.command === 'doctor') {
    // The doctor runs even when other inputs are invalid: a broken environment is what it is for.
    const config = args.parsed.ok ? args.parsed.config : undefined;
    const checks = await runDoctor(io.env, io.doctorProbes ?? systemProbes(), {
      hosts: config?.endpoints.map((e) => e.host) ?? [],
      endpoints: config?.endpoints ?? [],
    });
    const redactDoctor = createRedactor(config ? secretsOf(config) : []);
    const code = doctorExitCode(checks);
    io.stdout.write(
      redactDoctor(
        args.options.json ? JSON.stringify({ ok: code === 0, checks }) + '\n' : renderDoctor(checks),
      ),
    );
    return code;
  }
  let redact: Redactor = createRedactor(early);
  const reporter = args.options.json
    ? createJsonReporter(io.stdout, io.stderr, () => redact)
    : createTerminalReporter(io.stderr, () => redact, { quiet: args.options.quiet });
  if (!args.parsed.ok) {
    reporter.rejectInput(args.parsed.problems);
    return 2;
  }
  const config = args.parsed.config;
  redact = createRedactor([...early, ...secretsOf(config)]);
  try {
    const result = await runPreflight(config, reporter, {
      env: io.env,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (result.finding?.cause === 'cancelled') return 130;
    return result.ready ? 0 : 1;
  } catch (error) {
    reporter.internalError(error);
    return 1;
  }
}
