#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configFromArgv } from './config/from-argv.js';
import { INPUT_DEFAULTS } from './config/schema.js';
import { createRedactor, type Redactor } from './redact.js';
import { createJsonReporter } from './report/json.js';
import { createTerminalReporter } from './report/terminal.js';
import { runPreflight, secretsOf } from './run.js';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export const VERSION = '1.0.0';

const HELP = `llm-preflight ${VERSION}: wait for an OpenAI-compatible LLM server and say why it is not ready.

Usage: llm-preflight [options] [base-url ...]

  base-url                 server to check (default ${INPUT_DEFAULTS['base-url']}; also OPENAI_BASE_URL);
                           with or without /v1; several may be given
  --model <id>             a model that must be served (repeat, or comma-separate)
  --api-key <key>          sent as a bearer token (default: OPENAI_API_KEY)
  --server <kind>          auto, vllm, sglang, litellm, ollama, llamacpp, tgi, localai, lmstudio, openai
  --timeout <duration>     overall deadline, e.g. 90s, 10m (default ${INPUT_DEFAULTS.timeout})
  --request-timeout <d>    per request (default ${INPUT_DEFAULTS['request-timeout']})
  --smoke                  also run a 1-token chat completion per model
  --start <command>        start the server (through sh) and watch it; it keeps running afterwards
  --container <id|name>    read this container's state and logs as evidence
  --log-file <path>        read this server log as evidence
  --json                   print one JSON report on stdout
  --quiet                  print only the verdict
  --help, --version

Exit codes: 0 ready, 1 not ready (the cause is named), 2 invalid input.
Every option can also come from LLM_PREFLIGHT_<OPTION>, e.g. LLM_PREFLIGHT_TIMEOUT=5m.
`;

/** The CLI as a function, so tests run it in-process. Returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const args = configFromArgv(argv, io.env);
  if (!args.ok) {
    io.stderr.write(`llm-preflight: ${args.message}\n`);
    return 2;
  }
  if (args.options.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (args.options.version) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  let redact: Redactor = createRedactor([]);
  const reporter = args.options.json
    ? createJsonReporter(io.stdout, io.stderr, () => redact)
    : createTerminalReporter(io.stderr, () => redact, { quiet: args.options.quiet });
  if (!args.parsed.ok) {
    reporter.rejectInput(args.parsed.problems);
    return 2;
  }
  const config = args.parsed.config;
  redact = createRedactor(secretsOf(config));
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

function isEntryPoint(): boolean {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort(signal));
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
  process.exit(code);
}
