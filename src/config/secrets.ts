import { secretsInText } from '../redact.js';
import { parseEndpointLines } from './endpoints.js';
import type { Config } from './schema.js';

/** Every secret a parsed config holds: the api-key and what the base-url lines carry (passwords, tokens). */
export function secretsOf(config: Config): string[] {
  const secrets = config.endpoints.flatMap((e) => e.secrets);
  if (config.apiKey) secrets.push(config.apiKey);
  return secrets;
}

/**
 * The action's secrets read straight from INPUT_*, before (or without) parsing: a rejected input is echoed in
 * its error, an invalid base-url may still hold a password, and the post step stays small and quick to start
 * without the config schema and the HTTP stack.
 */
export function actionInputSecrets(env: Record<string, string | undefined>): string[] {
  const baseUrl = env['INPUT_BASE-URL'] ?? '';
  const endpoints = parseEndpointLines(baseUrl);
  return [
    env['INPUT_API-KEY'],
    ...secretsInText(baseUrl),
    ...(endpoints.ok ? endpoints.endpoints.flatMap((e) => e.secrets) : []),
  ].filter((s): s is string => !!s && s.trim() !== '');
}

/** The CLI's api-key from flags and environment, and passwords or tokens in anything that looks like a URL. */
export function cliInputSecrets(argv: string[], env: Record<string, string | undefined>): string[] {
  const keys: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--api-key' && argv[i + 1] !== undefined) keys.push(argv[i + 1]!);
    else if (arg.startsWith('--api-key=')) keys.push(arg.slice('--api-key='.length));
  });
  for (const name of ['OPENAI_API_KEY', 'LLM_PREFLIGHT_API_KEY']) if (env[name]) keys.push(env[name]!);
  const urlText = [...argv, env.OPENAI_BASE_URL ?? '', env.LLM_PREFLIGHT_BASE_URL ?? ''].join('\n');
  return [...keys.map((k) => k.trim()).filter((k) => k !== ''), ...secretsInText(urlText)];
}
